import FluentKit
import Foundation

final class NoticeRecord: Model, @unchecked Sendable {
    static let schema = "notices"

    @ID(key: .id) var id: UUID?
    /// The recipient's account (an id from the identity module; no foreign key across modules).
    @Field(key: "account_id") var accountID: String
    @Field(key: "template") var template: String
    /// The template's data as JSON.
    @Field(key: "data") var data: String
    @OptionalField(key: "link") var link: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?

    init() {}
}

/// One attempt chain to deliver a notice by one channel (email, or push to one subscribed browser). States: created
/// (waiting, perhaps for a retry), sending, delivered, failed.
final class NoticeDeliveryRecord: Model, @unchecked Sendable {
    static let schema = "notice_deliveries"

    @ID(key: .id) var id: UUID?
    @Field(key: "notice_id") var noticeID: UUID
    @Field(key: "channel") var channel: String
    @Field(key: "status") var status: String
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    @Field(key: "updated_at") var updatedAt: Date
    /// For push: the browser subscription it goes to (no foreign key: a gone subscription is deleted, its deliveries stay).
    @OptionalField(key: "subscription_id") var subscriptionID: UUID?

    init() {}
}

struct CreateNoticeTables: AsyncMigration {
    var name: String { "notices.create-tables" }

    func prepare(on database: any Database) async throws {
        try await database.schema(NoticeRecord.schema)
            .id()
            .field("account_id", .string, .required)
            .field("template", .string, .required)
            .field("data", .string, .required)
            .field("link", .string)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .create()
        try await database.schema(NoticeDeliveryRecord.schema)
            .id()
            .field("notice_id", .uuid, .required, .references(NoticeRecord.schema, "id", onDelete: .cascade))
            .field("channel", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_error", .string)
            .field("delivered_at", .datetime)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(NoticeDeliveryRecord.schema).delete()
        try await database.schema(NoticeRecord.schema).delete()
    }
}
