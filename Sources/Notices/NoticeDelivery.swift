import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Sends notices by email: claims due deliveries, sends each through SMTP, and retries on a backoff schedule
/// (1 min, 5 min, 30 min, 2 h) before giving up after five attempts. A claim is a conditional update, so several
/// app instances never send the same delivery twice.
public struct NoticeDelivery: Sendable {
    public static let backoff: [TimeInterval] = [60, 300, 1800, 7200]
    public static let maxAttempts = 5

    let database: PlatformDatabase
    let templates: NoticeTemplates
    let recipients: any NoticeRecipients
    let smtp: SMTPClient

    public init(database: PlatformDatabase, templates: NoticeTemplates, recipients: any NoticeRecipients, smtp: SMTPClient) {
        self.database = database
        self.templates = templates
        self.recipients = recipients
        self.smtp = smtp
    }

    /// Sends what is due at `now`; returns how many deliveries were attempted.
    @discardableResult
    public func deliverDue(now: Date = Date(), limit: Int = 20, logger: Logger) async throws -> Int {
        // A delivery stuck in "sending" (the process died mid-send) becomes due again after ten minutes.
        try await database.write(logger: logger) { db in
            try await NoticeDeliveryRecord.query(on: db).filter(\.$status == "sending").filter(\.$updatedAt < now.addingTimeInterval(-600))
                .set(\.$status, to: "created").update()
        }
        let due = try await NoticeDeliveryRecord.query(on: try database.db(logger: logger)).filter(\.$status == "created").filter(\.$nextAttemptAt <= now)
            .sort(\.$nextAttemptAt).limit(limit).all()
        var attempted = 0
        for delivery in due {
            let id = try delivery.requireID()
            guard try await claim(id, now: now, logger: logger) else { continue }
            attempted += 1
            do {
                try await send(delivery, logger: logger)
                try await finish(id, status: "delivered", error: nil, now: now, logger: logger)
            } catch let error as SMTPError where error.isPermanent {
                try await finish(id, status: "failed", error: error.description, now: now, logger: logger)
            } catch {
                let attempts = delivery.attempts + 1
                if attempts >= Self.maxAttempts {
                    try await finish(id, status: "failed", error: "\(error)", now: now, logger: logger)
                } else {
                    try await retry(id, after: Self.backoff[min(attempts - 1, Self.backoff.count - 1)], error: "\(error)", now: now, logger: logger)
                }
                logger.warning("notice email not sent", metadata: ["delivery": "\(id)", "attempt": "\(attempts)", "error": "\(error)"])
            }
        }
        return attempted
    }

    private func claim(_ id: UUID, now: Date, logger: Logger) async throws -> Bool {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let claimed = try await sql.update(NoticeDeliveryRecord.schema)
                .set("status", to: "sending")
                .set(SQLIdentifier("attempts"), to: SQLRaw("attempts + 1"))
                .set("updated_at", to: now)
                .where("id", .equal, id)
                .where("status", .equal, "created")
                .returning("id")
                .all()
            return !claimed.isEmpty
        }
    }

    private func send(_ delivery: NoticeDeliveryRecord, logger: Logger) async throws {
        guard let notice = try await NoticeRecord.find(delivery.noticeID, on: try database.db(logger: logger)) else {
            throw SMTPError(code: 550, message: "the notice no longer exists")
        }
        guard let recipient = try await recipients.recipient(accountID: notice.accountID, logger: logger), let email = recipient.email else {
            throw SMTPError(code: 550, message: "the recipient has no email address")
        }
        // Damaged data is logged and thrown: the retry and failed states below record it, no email goes out with blanks.
        let data = try JSONColumn.decode([String: String].self, from: notice.data, table: NoticeRecord.schema, column: "data",
                                         row: try notice.requireID().uuidString, logger: logger)
        // Vietnamese first, English after: one email every reader can use.
        let vi = try templates.render(notice.template, data: data, language: "vi")
        let en = try templates.render(notice.template, data: data, language: "en")
        try await smtp.send(to: email, name: recipient.name, subject: vi.subject, body: "\(vi.body)\n\n---\n\n\(en.subject)\n\n\(en.body)\n")
    }

    private func finish(_ id: UUID, status: String, error: String?, now: Date, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            try await NoticeDeliveryRecord.query(on: db).filter(\.$id == id)
                .set(\.$status, to: status).set(\.$lastError, to: error).set(\.$updatedAt, to: now)
                .set(\.$deliveredAt, to: status == "delivered" ? now : nil).update()
        }
    }

    private func retry(_ id: UUID, after delay: TimeInterval, error: String, now: Date, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            try await NoticeDeliveryRecord.query(on: db).filter(\.$id == id)
                .set(\.$status, to: "created").set(\.$lastError, to: error).set(\.$updatedAt, to: now)
                .set(\.$nextAttemptAt, to: now.addingTimeInterval(delay)).update()
        }
    }
}
