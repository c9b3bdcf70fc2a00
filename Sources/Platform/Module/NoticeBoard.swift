import FluentKit
import Foundation
import Logging

/// A message for one person's inbox (and, when they have an address, their email), written by any module.
public struct NoticeDraft: Sendable {
    /// The recipient's account id.
    public var recipient: String
    /// A template key such as `identity.welcome`; the notices module holds its Vietnamese and English words.
    public var template: String
    public var data: [String: String]
    /// Where the notice leads in the portal (a path such as `/account`).
    public var link: String?

    public init(recipient: String, template: String, data: [String: String] = [:], link: String? = nil) {
        self.recipient = recipient
        self.template = template
        self.data = data
        self.link = link
    }
}

/// How modules post notices: in the same transaction as the change they announce, so a notice is never sent for
/// something that did not happen (or lost for something that did).
public protocol NoticeBoard: Sendable {
    func post(_ notice: NoticeDraft, on database: any Database) async throws
}

/// Who a notice goes to, as the identity module knows them.
public struct NoticeRecipient: Sendable {
    public var name: String
    public var email: String?

    public init(name: String, email: String?) {
        self.name = name
        self.email = email
    }
}

public protocol NoticeRecipients: Sendable {
    func recipient(accountID: String, logger: Logger) async throws -> NoticeRecipient?
}
