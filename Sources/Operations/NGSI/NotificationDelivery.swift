import Foundation
import Logging
import Metrics
import Platform
import SQLKit

/// How a notification leaves the building: HTTP through the platform's vetted outbound POST in production, a
/// recorder in tests.
public protocol NotificationTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: Data) async throws -> Int
}

public struct HTTPNotificationTransport: NotificationTransport {
    let http: OutboundHTTP

    public init(policy: OutboundPolicy) {
        http = OutboundHTTP(policy: policy)
    }

    public func post(url: String, headers: [(String, String)], body: Data) async throws -> Int {
        try await http.post(url: url, headers: headers, body: body).status
    }
}

/// Sends the notifications that are due, eight subscriptions at a time, so one slow subscriber delays only its own. A subscriber
/// that fails is tried again after 2 s, 10 s, 30 s, 2 min, 10 min, 30 min, 1 h and 6 h, then given up (its
/// subscription shows the failure). Ingestion never waits for any of it: writes only add rows to the outbox.
public struct NotificationDelivery: Sendable {
    public static let retrySchedule: [Int64] = [2, 10, 30, 120, 600, 1800, 3600, 21_600].map { $0 * 1000 }
    static let width = 8

    let database: PlatformDatabase
    let transport: any NotificationTransport
    let clock: @Sendable () -> Date

    public init(database: PlatformDatabase, transport: any NotificationTransport, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.transport = transport
        self.clock = clock
    }

    struct Due: Sendable {
        let id: String
        let subscriptionID: String
        let endpoint: String
        let body: String
        let attempts: Int
    }

    /// Sends what is due now; returns how many were sent successfully.
    @discardableResult
    public func deliverDue(logger: Logger) async throws -> Int {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        // A subscriber hears of changes in the order they happened: a notification waits while an earlier one to
        // the same subscription waits for its retry.
        let rows = try await database.sql(logger: logger).raw("""
            SELECT n.id, n.subscription_id, n.body, n.attempts, s.endpoint FROM ngsi_notifications n \
            JOIN ngsi_subscriptions s ON s.id = n.subscription_id \
            WHERE n.state = 'pending' AND n.next_attempt_ms <= \(bind: now) AND NOT EXISTS (SELECT 1 FROM ngsi_notifications e \
            WHERE e.subscription_id = n.subscription_id AND e.state = 'pending' AND e.seq < n.seq AND e.next_attempt_ms > \(bind: now)) \
            ORDER BY n.seq LIMIT 64
            """).all()
        let due = try rows.map { row in
            Due(id: try row.decode(column: "id", as: String.self), subscriptionID: try row.decode(column: "subscription_id", as: String.self),
                endpoint: try row.decode(column: "endpoint", as: String.self), body: try row.decode(column: "body", as: String.self),
                attempts: try row.decode(column: "attempts", as: Int.self))
        }
        // Subscriptions in parallel (eight at a time), each one's notifications in order; a failure holds back the rest of its queue.
        var queues: [String: [Due]] = [:]
        var order: [String] = []
        for item in due {
            if queues[item.subscriptionID] == nil { order.append(item.subscriptionID) }
            // At most eight of one subscriber's a round, so a slow one holds a round for two minutes at worst.
            if queues[item.subscriptionID, default: []].count < Self.width { queues[item.subscriptionID, default: []].append(item) }
        }
        var sent = 0
        for part in stride(from: 0, to: order.count, by: Self.width) {
            let results = await withTaskGroup(of: [(Due, Int?, String?)].self) { group in
                for subscription in order[part..<min(order.count, part + Self.width)] {
                    let queue = queues[subscription] ?? []
                    group.addTask {
                        var outcomes: [(Due, Int?, String?)] = []
                        for item in queue {
                            let outcome = await attempt(item)
                            outcomes.append(outcome)
                            if outcome.2 != nil { break }
                        }
                        return outcomes
                    }
                }
                return await group.reduce(into: []) { $0.append(contentsOf: $1) }
            }
            for (item, status, failure) in results {
                try await record(item, status: status, failure: failure, logger: logger)
                if failure == nil { sent += 1 }
            }
        }
        return sent
    }

    /// One POST, bounded as a whole (name lookup, connection, answer and its body): a subscriber that answers at once
    /// and then trickles its body a byte at a time is cut off like one that never answers.
    private func attempt(_ item: Due) async -> (Due, Int?, String?) {
        let headers = [("Content-Type", "application/json"), ("Link", NGSIContext.linkHeader()), ("User-Agent", "HueS NGSI-LD broker")]
        let (transport, body) = (transport, Data(item.body.utf8))
        let post = Task { try await transport.post(url: item.endpoint, headers: headers, body: body) }
        let deadline = Task {
            try await Task.sleep(for: Self.attemptLimit)
            post.cancel()
        }
        defer { deadline.cancel() }
        do {
            let status = try await post.value
            return (item, status, (200..<300).contains(status) ? nil : "answered \(status)")
        } catch is OutboundPolicy.Refusal {
            return (item, nil, Self.refused)
        } catch {
            return (item, nil, post.isCancelled ? "no answer within \(Self.attemptLimit)" : String(describing: error).prefix(300).description)
        }
    }

    static let attemptLimit = Duration.seconds(15)
    /// The endpoint is an address the platform may not call: trying again changes nothing.
    static let refused = "refused: the endpoint is not on an allowed network"

    private func record(_ item: Due, status: Int?, failure: String?, logger: Logger) async throws {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            if failure == nil {
                try await sql.raw("UPDATE ngsi_notifications SET state = 'sent', attempts = attempts + 1, last_status = \(bind: status) WHERE id = \(bind: item.id)").run()
                try await sql.raw("""
                    UPDATE ngsi_subscriptions SET times_sent = times_sent + 1, last_success_ms = \(bind: now) WHERE id = \(bind: item.subscriptionID)
                    """).run()
                return
            }
            let attempts = item.attempts + 1
            let state = attempts >= Self.retrySchedule.count || failure == Self.refused ? "failed" : "pending"
            let next = now + Self.retrySchedule[min(attempts, Self.retrySchedule.count) - 1]
            try await sql.raw("""
                UPDATE ngsi_notifications SET state = \(bind: state), attempts = \(bind: attempts), next_attempt_ms = \(bind: next), \
                last_status = \(bind: status), last_error = \(bind: failure) WHERE id = \(bind: item.id)
                """).run()
            try await sql.raw("""
                UPDATE ngsi_subscriptions SET last_failure_ms = \(bind: now), last_failure = \(bind: failure) WHERE id = \(bind: item.subscriptionID)
                """).run()
        }
        if let failure {
            Counter(label: "hues_ngsi_notification_failures_total").increment()
            logger.warning("NGSI-LD notification not delivered", metadata: ["subscription": "\(item.subscriptionID)", "attempt": "\(item.attempts + 1)",
                                                                            "reason": "\(failure)"])
        }
    }
}
