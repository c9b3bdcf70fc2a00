import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// The active subscriptions, held in memory so each write matches them without a query. Reloaded after every
/// change made here and by the broker's background round (which also picks up changes made on other instances).
public final class SubscriptionBook: Sendable {
    public struct Notice: Sendable {
        let id: String
        let subscriptionID: String
        let document: JSONValue
    }

    public struct Snapshot: Sendable {
        let subscriptions: [NGSISubscription]

        /// The notifications a write owes: per subscription, the written entities it wants, 100 to a notification.
        func notifications(for written: [EntityWritePlan.Written], at now: Date) -> [Notice] {
            guard !subscriptions.isEmpty else { return [] }
            var notices: [Notice] = []
            for subscription in subscriptions {
                let data = written.filter { subscription.wants($0.entity, changed: $0.setAttributes.keys) }
                    .map { $0.entity.rendered(only: subscription.attributes, keyValues: subscription.keyValues, withContext: false) }
                for part in stride(from: 0, to: data.count, by: 100) {
                    let id = "urn:ngsi-ld:Notification:\(UUID().uuidString.lowercased())"
                    notices.append(Notice(id: id, subscriptionID: subscription.id, document: .object([
                        "id": .string(id), "type": .string("Notification"),
                        "subscriptionId": .string(subscription.id), "notifiedAt": .string(NGSITime.format(now)),
                        "data": .array(Array(data[part..<min(data.count, part + 100)])),
                    ])))
                }
            }
            return notices
        }
    }

    let database: PlatformDatabase
    private let snapshot = Mutex(Snapshot(subscriptions: []))

    init(database: PlatformDatabase) {
        self.database = database
    }

    var current: Snapshot { snapshot.withLock { $0 } }

    /// Reads the stored subscriptions again. One that no longer reads is logged and left out, not dropped silently.
    public func reload(logger: Logger) async throws {
        let rows = try await database.sql(logger: logger).raw("SELECT id, body, active FROM ngsi_subscriptions ORDER BY id").all()
        var loaded: [NGSISubscription] = []
        for row in rows {
            let id = try row.decode(column: "id", as: String.self)
            do {
                let document = try NGSIDocument.decode(Data(try row.decode(column: "body", as: String.self).utf8))
                let subscription = try NGSISubscription.parse(document, id: id)
                if try row.decode(column: "active", as: Bool.self) { loaded.append(subscription) }
            } catch {
                logger.error("stored NGSI-LD subscription does not read; it sends nothing until replaced", metadata: ["subscription": "\(id)", "error": "\(error)"])
            }
        }
        snapshot.withLock { $0 = Snapshot(subscriptions: loaded) }
    }
}

/// Notifications waiting to be sent, written in the transaction of the change that caused them.
enum NotificationOutbox {
    static func enqueue(_ notices: [SubscriptionBook.Notice], at now: Int64, on sql: any SQLDatabase) async throws {
        for part in stride(from: 0, to: notices.count, by: 100) {
            let rows = notices[part..<min(notices.count, part + 100)].map { notice -> SQLQueryString in
                "(\(bind: notice.id), \(bind: notice.subscriptionID), \(bind: notice.document.jsonText), 'pending', 0, \(bind: now), \(bind: now))"
            }
            try await sql.raw("""
                INSERT INTO ngsi_notifications (id, subscription_id, body, state, attempts, next_attempt_ms, created_at_ms) \
                VALUES \(rows.joined(separator: ", "))
                """).run()
        }
    }
}
