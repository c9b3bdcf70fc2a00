import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// A notice as its recipient reads it, in their language.
public struct Notice: Codable, Sendable, Equatable {
    public struct Delivery: Codable, Sendable, Equatable {
        public var channel: String
        public var status: String
        public var attempts: Int
        public var deliveredAt: Date?
    }

    public var id: UUID
    public var template: String
    public var title: String
    public var body: String
    public var link: String?
    public var createdAt: Date
    public var readAt: Date?
    public var deliveries: [Delivery]
}

/// Posting notices (the platform's `NoticeBoard`) and reading one's inbox.
public struct NoticeStore: NoticeBoard {
    let database: PlatformDatabase
    let templates: NoticeTemplates
    /// Whether email is configured; without it notices stay in the inbox (and go to subscribed browsers).
    let emailEnabled: Bool
    /// Whether notices go to the browsers people subscribed.
    let pushEnabled: Bool

    public init(database: PlatformDatabase, templates: NoticeTemplates, emailEnabled: Bool, pushEnabled: Bool = true) {
        self.database = database
        self.templates = templates
        self.emailEnabled = emailEnabled
        self.pushEnabled = pushEnabled
    }

    public func post(_ notice: NoticeDraft, on database: any Database) async throws {
        // A bug in the caller, not the reader's fault: refuse the write (the caller's transaction rolls back), keep serving.
        guard templates.has(notice.template) else {
            database.logger.error("notice posted with an unknown template", metadata: [
                "template": .string(notice.template), "recipient": .string(notice.recipient),
            ])
            throw Problem.internal()
        }
        // A notice leads somewhere on this site only: its link becomes an href and what a tapped notification opens.
        if let link = notice.link, !Self.isSitePath(link) {
            database.logger.error("notice posted with a link off the site", metadata: ["template": .string(notice.template)])
            throw Problem.internal()
        }
        let record = NoticeRecord()
        record.id = UUID()
        record.accountID = notice.recipient
        record.template = notice.template
        record.data = try JSONColumn.encode(notice.data)
        record.link = notice.link
        record.createdAt = Date()
        try await record.create(on: database)
        let noticeID = try record.requireID()
        if emailEnabled { try await queue(noticeID, channel: "email", subscription: nil, on: database) }
        if pushEnabled {
            guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
            for subscription in try await PushSubscriptions.ids(of: notice.recipient, on: sql) {
                try await queue(noticeID, channel: "push", subscription: subscription, on: database)
            }
        }
    }

    /// A path on this site: starts with one "/", no scheme, no backslash, no control characters or spaces.
    static func isSitePath(_ link: String) -> Bool {
        link.hasPrefix("/") && !link.hasPrefix("//") && link.utf8.count <= 512
            && link.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" }
    }

    private func queue(_ noticeID: UUID, channel: String, subscription: UUID?, on database: any Database) async throws {
        let delivery = NoticeDeliveryRecord()
        delivery.id = UUID()
        delivery.noticeID = noticeID
        delivery.channel = channel
        delivery.subscriptionID = subscription
        delivery.status = "created"
        delivery.attempts = 0
        delivery.nextAttemptAt = Date()
        delivery.updatedAt = Date()
        try await delivery.create(on: database)
    }

    /// The inbox, newest first, with how many are unread.
    public func inbox(of accountID: String, language: String, unreadOnly: Bool = false, limit: Int = 50, offset: Int = 0, logger: Logger) async throws
        -> (notices: [Notice], unread: Int)
    {
        let db = try database.db(logger: logger)
        var query = NoticeRecord.query(on: db).filter(\.$accountID == accountID)
        if unreadOnly { query = query.filter(\.$readAt == nil) }
        // The id breaks ties, so pages of equal times neither repeat nor skip a notice.
        let records = try await query.sort(\.$createdAt, .descending).sort(\.$id).offset(offset).limit(limit).all()
        let ids = records.compactMap(\.id)
        let deliveries = ids.isEmpty ? [] : try await NoticeDeliveryRecord.query(on: db).filter(\.$noticeID ~~ ids).all()
        let unread = try await NoticeRecord.query(on: db).filter(\.$accountID == accountID).filter(\.$readAt == nil).count()
        let notices = try records.map { record -> Notice in
            let id = try record.requireID()
            let data = try JSONColumn.decode([String: String].self, from: record.data, table: NoticeRecord.schema, column: "data",
                                             row: id.uuidString, logger: logger)
            let text: (subject: String, body: String)
            do {
                text = try templates.render(record.template, data: data, language: language)
            } catch {
                logger.error("notice cannot be rendered", metadata: ["notice": .string(id.uuidString), "template": .string(record.template), "error": "\(error)"])
                throw Problem.internal()
            }
            return Notice(
                id: id, template: record.template, title: text.subject, body: text.body, link: record.link,
                createdAt: record.createdAt, readAt: record.readAt,
                deliveries: deliveries.filter { $0.noticeID == id }.map {
                    .init(channel: $0.channel, status: $0.status, attempts: $0.attempts, deliveredAt: $0.deliveredAt)
                })
        }
        return (notices, unread)
    }

    /// Marks one notice read; another person's notice is "not found", never "forbidden".
    public func markRead(_ id: UUID, of accountID: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let record = try await NoticeRecord.query(on: db).filter(\.$id == id).filter(\.$accountID == accountID).first() else {
                throw Problem.notFound("No such notice.")
            }
            if record.readAt == nil {
                record.readAt = Date()
                try await record.update(on: db)
            }
        }
    }

    public func markAllRead(of accountID: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            try await NoticeRecord.query(on: db).filter(\.$accountID == accountID).filter(\.$readAt == nil).set(\.$readAt, to: Date()).update()
        }
    }
}
