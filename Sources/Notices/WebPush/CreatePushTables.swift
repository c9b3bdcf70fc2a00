import FluentKit
import Platform
import SQLKit

/// Browsers' push subscriptions, the platform's VAPID key, and which subscription a push delivery goes to.
struct CreatePushTables: AsyncMigration {
    var name: String { "notices.push" }

    func prepare(on database: any Database) async throws {
        try await database.schema(VapidKeys.table)
            .field("id", .string, .identifier(auto: false))
            .field("private_key_sealed", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(PushSubscriptionRecord.schema)
            .id()
            .field("account_id", .string, .required)
            .field("endpoint", .string, .required)
            .field("p256dh", .string, .required)
            .field("auth", .string, .required)
            .field("language", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "endpoint")
            .create()
        try await database.schema(NoticeDeliveryRecord.schema).field("subscription_id", .uuid).update()
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id)").run()
        // The delivery worker's scan, and failing what waits for a subscription that is gone.
        try await sql.raw("CREATE INDEX notice_deliveries_due ON notice_deliveries (status, next_attempt_at)").run()
        try await sql.raw("CREATE INDEX notice_deliveries_subscription ON notice_deliveries (subscription_id, status)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(NoticeDeliveryRecord.schema).deleteField("subscription_id").update()
        try await database.schema(PushSubscriptionRecord.schema).delete()
        try await database.schema(VapidKeys.table).delete()
    }
}
