import Foundation
import Logging
import Platform
import SQLKit

/// Creating, reading and ending subscriptions; each change is an event in the log (who subscribed what, and where
/// the city's sensor data goes) and reloads the in-memory book.
extension NGSIBroker {
    /// Every write is matched against every subscription, inside the writer's transaction: a bound keeps that cheap.
    public static let maximumSubscriptions = 1000

    public func subscribe(_ subscription: NGSISubscription, by principal: Principal, logger: Logger) async throws {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let held = try await sql.raw("SELECT COUNT(*) AS n FROM ngsi_subscriptions").first()?.decode(column: "n", as: Int.self) ?? 0
            guard held < Self.maximumSubscriptions else {
                throw NGSIError(.badRequestData, "The broker holds at most \(Self.maximumSubscriptions) subscriptions; end one first.")
            }
            guard try await sql.raw("""
                INSERT INTO ngsi_subscriptions (id, body, endpoint, active, created_by, created_at_ms) VALUES \
                (\(bind: subscription.id), \(bind: subscription.document.jsonText), \(bind: subscription.endpoint), \(bind: subscription.active), \
                \(bind: principal.accountID), \(bind: now)) ON CONFLICT DO NOTHING RETURNING id
                """).first() != nil else {
                throw NGSIError(.alreadyExists, "A subscription \(subscription.id) already exists.")
            }
            // The log names where the data goes, without a query string that may carry the subscriber's secret.
            try await EventLog.append(try DomainEvent(type: "operations.subscription.created", actorID: principal.accountID, actorName: principal.displayName,
                                                      subject: subscription.id, payload: ["endpoint": subscription.endpointShown]), on: db)
        }
        try await subscriptions.reload(logger: logger)
    }

    public func unsubscribe(_ id: String, by principal: Principal, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard try await sql.raw("SELECT id FROM ngsi_subscriptions WHERE id = \(bind: id)").first() != nil else {
                throw NGSIError(.resourceNotFound, "No subscription \(id).")
            }
            try await sql.raw("DELETE FROM ngsi_notifications WHERE subscription_id = \(bind: id) AND state = 'pending'").run()
            try await sql.raw("DELETE FROM ngsi_subscriptions WHERE id = \(bind: id)").run()
            try await EventLog.append(DomainEvent(type: "operations.subscription.deleted", actorID: principal.accountID, actorName: principal.displayName,
                                                  subject: id), on: db)
        }
        try await subscriptions.reload(logger: logger)
    }

    /// The stored documents with how delivery is going (`notification.status`, `timesSent`, last success and failure).
    public func subscriptionDocuments(id: String? = nil, limit: Int, offset: Int, logger: Logger) async throws -> [JSONValue] {
        let sql = try database.sql(logger: logger)
        let filter: SQLQueryString = id.map { " WHERE id = \(bind: $0)" } ?? ""
        let rows = try await sql.raw("""
            SELECT id, body, times_sent, last_success_ms, last_failure_ms FROM ngsi_subscriptions\(filter) ORDER BY id \
            LIMIT \(bind: limit) OFFSET \(bind: offset)
            """).all()
        return try rows.compactMap { row in
            let id = try row.decode(column: "id", as: String.self)
            let text = try row.decode(column: "body", as: String.self)
            guard case .success(let value) = EntityRows.storedDocument(text), var document = value.object,
                  var notification = document["notification"]?.object else {
                logger.error("stored NGSI-LD subscription does not read; left out of the answer", metadata: ["subscription": "\(id)"])
                return nil
            }
            let success = try row.decode(column: "last_success_ms", as: Int64?.self)
            let failure = try row.decode(column: "last_failure_ms", as: Int64?.self)
            notification["timesSent"] = .number(Double(try row.decode(column: "times_sent", as: Int64.self)))
            if let success { notification["lastSuccess"] = .string(NGSITime.format(Date(timeIntervalSince1970: Double(success) / 1000))) }
            if let failure { notification["lastFailure"] = .string(NGSITime.format(Date(timeIntervalSince1970: Double(failure) / 1000))) }
            notification["status"] = .string(failure.map { $0 >= (success ?? 0) } ?? false ? "failed" : "ok")
            document["notification"] = .object(notification)
            return .object(document)
        }
    }
}
