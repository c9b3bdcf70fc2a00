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

    /// Sends what is due at `now`; returns how many deliveries were attempted.
    @discardableResult
    public func deliverDue(now: Date = Date(), limit: Int = 20, logger: Logger) async throws -> Int {
        // A delivery stuck in "sending" (the process died mid-send) becomes due again after ten minutes.
        try await database.write(logger: logger) { db in
            try await NoticeDeliveryRecord.query(on: db).filter(\.$status == "sending").filter(\.$updatedAt < now.addingTimeInterval(-600))
                .set(\.$status, to: "created").update()
        }
        let due = try await NoticeDeliveryRecord.query(on: try database.db(logger: logger)).filter(\.$status == "created")
            .filter(\.$channel ~~ Array(channels.keys)).filter(\.$nextAttemptAt <= now)
            .sort(\.$nextAttemptAt).limit(limit).all()
        var attempted = 0
        for delivery in due {
            let id = try delivery.requireID()
            guard let channel = channels[delivery.channel], try await claim(id, now: now, logger: logger) else { continue }
            attempted += 1
            do {
                guard let notice = try await NoticeRecord.find(delivery.noticeID, on: try database.db(logger: logger)) else {
                    throw NoticeChannelFailure.permanent("the notice no longer exists")
                }
                try await channel.send(notice, delivery: delivery, logger: logger)
                try await finish(id, status: "delivered", error: nil, now: now, logger: logger)
            } catch let failure as NoticeChannelFailure where failure.isPermanent {
                try await finish(id, status: "failed", error: failure.description, now: now, logger: logger)
                logger.notice("notice not delivered", metadata: ["delivery": "\(id)", "channel": "\(delivery.channel)", "error": "\(failure)"])
            } catch {
                let attempts = delivery.attempts + 1
                if attempts >= Self.maxAttempts {
                    try await finish(id, status: "failed", error: "\(error)", now: now, logger: logger)
                } else {
                    try await retry(id, after: Self.backoff[min(attempts - 1, Self.backoff.count - 1)], error: "\(error)", now: now, logger: logger)
                }
                logger.warning("notice not sent", metadata: ["delivery": "\(id)", "channel": "\(delivery.channel)",
                                                             "attempt": "\(attempts)", "error": "\(error)"])
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
