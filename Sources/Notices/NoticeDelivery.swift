import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Sends notices beyond the inbox: claims due deliveries, hands each to its channel (email, push), and retries on a
/// backoff schedule (1 min, 5 min, 30 min, 2 h) before giving up after five attempts. A claim is a conditional
/// update, so several app instances never send the same delivery twice.
public struct NoticeDelivery: Sendable {
    public static let backoff: [TimeInterval] = [60, 300, 1800, 7200]
    public static let maxAttempts = 5

    let database: PlatformDatabase
    let channels: [String: any NoticeChannel]

    init(database: PlatformDatabase, channels: [any NoticeChannel]) {
        self.database = database
        self.channels = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// How many deliveries are sent side by side: one slow push service or mail relay must not hold up everyone.
    static let parallelSends = 4

    /// Sends what is due at `now`; returns how many deliveries were attempted.
    @discardableResult
    public func deliverDue(now: Date = Date(), limit: Int = 20, logger: Logger) async throws -> Int {
        // Time moves on while a batch is sent; `now` may also be ahead of the wall clock (tests, catching up).
        let clock: @Sendable () -> Date = { max(now, Date()) }
        try await releaseStale(now: now, logger: logger)
        let due = try await NoticeDeliveryRecord.query(on: try database.db(logger: logger)).filter(\.$status == "created")
            .filter(\.$channel ~~ Array(channels.keys)).filter(\.$nextAttemptAt <= now)
            .sort(\.$nextAttemptAt).limit(limit).all()
        return try await withThrowingTaskGroup(of: Bool.self) { group in
            var pending = due.makeIterator()
            var attempted = 0
            for _ in 0..<Self.parallelSends {
                guard let delivery = pending.next() else { break }
                group.addTask { try await self.attempt(delivery, clock: clock, logger: logger) }
            }
            while let sent = try await group.next() {
                if sent { attempted += 1 }
                if let delivery = pending.next() { group.addTask { try await self.attempt(delivery, clock: clock, logger: logger) } }
            }
            return attempted
        }
    }

    /// A delivery stuck in "sending" (the process died mid-send) becomes due again after ten minutes, or fails when it
    /// has used its attempts: a notice that brings the process down must not do so forever.
    private func releaseStale(now: Date, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            let stale = now.addingTimeInterval(-600)
            try await NoticeDeliveryRecord.query(on: db).filter(\.$status == "sending").filter(\.$updatedAt < stale)
                .filter(\.$attempts >= Self.maxAttempts).set(\.$status, to: "failed").set(\.$lastError, to: "stopped while sending, attempts used up")
                .update()
            try await NoticeDeliveryRecord.query(on: db).filter(\.$status == "sending").filter(\.$updatedAt < stale)
                .set(\.$status, to: "created").update()
        }
    }

    /// Claims and sends one delivery; false when another worker claimed it first or its channel is off here.
    private func attempt(_ delivery: NoticeDeliveryRecord, clock: @escaping @Sendable () -> Date, logger: Logger) async throws -> Bool {
        let id = try delivery.requireID()
        guard let channel = channels[delivery.channel], let attempts = try await claim(id, now: clock(), logger: logger) else { return false }
        do {
            guard let notice = try await NoticeRecord.find(delivery.noticeID, on: try database.db(logger: logger)) else {
                throw NoticeChannelFailure.permanent("the notice no longer exists")
            }
            try await channel.send(notice, delivery: delivery, logger: logger)
            try await finish(id, status: "delivered", error: nil, now: clock(), logger: logger)
        } catch let failure as NoticeChannelFailure where failure.isPermanent {
            try await finish(id, status: "failed", error: failure.description, now: clock(), logger: logger)
            logger.notice("notice not delivered", metadata: ["delivery": "\(id)", "channel": "\(delivery.channel)", "error": "\(failure)"])
        } catch {
            if attempts >= Self.maxAttempts {
                try await finish(id, status: "failed", error: "\(error)", now: clock(), logger: logger)
            } else {
                try await retry(id, after: Self.backoff[min(attempts - 1, Self.backoff.count - 1)], error: "\(error)", now: clock(), logger: logger)
            }
            logger.warning("notice not sent", metadata: ["delivery": "\(id)", "channel": "\(delivery.channel)",
                                                         "attempt": "\(attempts)", "error": "\(error)"])
        }
        return true
    }

    /// Marks the delivery as being sent, if it is still waiting and due; returns its attempt number, nil if not claimed.
    private func claim(_ id: UUID, now: Date, logger: Logger) async throws -> Int? {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let claimed = try await sql.update(NoticeDeliveryRecord.schema)
                .set("status", to: "sending")
                .set(SQLIdentifier("attempts"), to: SQLRaw("attempts + 1"))
                .set("updated_at", to: now)
                .where("id", .equal, id)
                .where("status", .equal, "created")
                .where("next_attempt_at", .lessThanOrEqual, now)
                .returning("attempts")
                .all()
            return try claimed.first?.decode(column: "attempts", as: Int.self)
        }
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
