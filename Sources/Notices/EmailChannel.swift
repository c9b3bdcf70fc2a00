import FluentKit
import Foundation
import Logging
import Platform

/// Notices by email through the city's mail relay, Vietnamese first and English after: one email every reader can use.
struct EmailChannel: NoticeChannel {
    let database: PlatformDatabase
    let templates: NoticeTemplates
    let recipients: any NoticeRecipients
    let smtp: SMTPClient

    var name: String { "email" }

    func send(_ notice: NoticeRecord, delivery: NoticeDeliveryRecord, logger: Logger) async throws {
        guard let recipient = try await recipients.recipient(accountID: notice.accountID, logger: logger), let email = recipient.email else {
            throw NoticeChannelFailure.permanent("the recipient has no email address")
        }
        // Damaged data is logged and thrown: the retry and failed states record it, no email goes out with blanks.
        let data = try JSONColumn.decode([String: String].self, from: notice.data, table: NoticeRecord.schema, column: "data",
                                         row: try notice.requireID().uuidString, logger: logger)
        let vi = try templates.render(notice.template, data: data, language: "vi")
        let en = try templates.render(notice.template, data: data, language: "en")
        do {
            try await smtp.send(to: email, name: recipient.name, subject: vi.subject, body: "\(vi.body)\n\n---\n\n\(en.subject)\n\n\(en.body)\n")
        } catch let error as SMTPError where error.isPermanent {
            throw NoticeChannelFailure.permanent(error.description)
        }
    }
}
