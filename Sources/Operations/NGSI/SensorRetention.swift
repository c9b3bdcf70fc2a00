import Foundation
import Logging
import Platform
import SQLKit

/// Keeps the readings bounded: readings older than `rawDays` become hourly figures (count, sum, minimum, maximum,
/// from which any longer period's average, sum, extremes and count follow exactly) and are deleted; hourly figures
/// older than `hourlyDays` are deleted; delivered notifications leave after a day, given-up ones after a week.
/// Each round rolls up at most one day of readings, so no transaction grows with a backlog.
public struct SensorRetention: Sendable {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    let database: PlatformDatabase
    let rawDays: Int
    let hourlyDays: Int
    let clock: @Sendable () -> Date

    public init(database: PlatformDatabase, rawDays: Int, hourlyDays: Int, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.rawDays = rawDays
        self.hourlyDays = hourlyDays
        self.clock = clock
    }

    /// Returns how many readings were rolled up.
    @discardableResult
    public func sweep(logger: Logger) async throws -> Int {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        let cutoff = (now - Int64(rawDays) * Self.day) / Self.hour * Self.hour
        let sql = try database.sql(logger: logger)
        guard let oldest = try await sql.raw("SELECT MIN(observed_at_ms) AS oldest FROM ngsi_readings").first()?.decode(column: "oldest", as: Int64?.self),
              oldest < cutoff else {
            try await sweepOutbox(now: now, logger: logger)
            return 0
        }
        let end = min(cutoff, oldest / Self.hour * Self.hour + Self.day)
        let postgres = sql.dialect.name == "postgresql"
        let (least, greatest) = postgres ? ("LEAST", "GREATEST") : ("MIN", "MAX")
        let rolled = try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await MarkSummarisedHours.advance(to: end, on: sql)
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM ngsi_readings WHERE observed_at_ms < \(bind: end)").first()?.decode(column: "n", as: Int.self) ?? 0
            if postgres {
                // One statement: what is deleted is exactly what is rolled up, even if a late reading commits meanwhile.
                try await sql.raw("WITH gone AS (DELETE FROM ngsi_readings WHERE observed_at_ms < \(bind: end) RETURNING series_id, observed_at_ms, value) "
                                  + Self.rollUp(from: "gone", least: least, greatest: greatest)).run()
                return count
            }
            try await sql.raw("WITH gone AS (SELECT series_id, observed_at_ms, value FROM ngsi_readings WHERE observed_at_ms < \(bind: end)) "
                              + Self.rollUp(from: "gone", least: least, greatest: greatest)).run()
            try await sql.raw("DELETE FROM ngsi_readings WHERE observed_at_ms < \(bind: end)").run()
            return count
        }
        try await sweepOutbox(now: now, logger: logger)
        if rolled > 0 { logger.info("sensor readings rolled up into hourly figures", metadata: ["readings": "\(rolled)"]) }
        return rolled
    }

    /// Adds the readings of `source` (series, instant, value) to their hours' figures.
    static func rollUp(from source: String, least: String, greatest: String) -> SQLQueryString {
        """
        INSERT INTO ngsi_readings_hourly (series_id, hour_ms, readings, total, minimum, maximum) \
        SELECT series_id, (observed_at_ms / \(bind: hour)) * \(bind: hour), COUNT(*), SUM(value), MIN(value), MAX(value) \
        FROM \(unsafeRaw: source) WHERE true GROUP BY 1, 2 \
        ON CONFLICT (series_id, hour_ms) DO UPDATE SET readings = ngsi_readings_hourly.readings + excluded.readings, \
        total = ngsi_readings_hourly.total + excluded.total, \
        minimum = \(unsafeRaw: least)(ngsi_readings_hourly.minimum, excluded.minimum), \
        maximum = \(unsafeRaw: greatest)(ngsi_readings_hourly.maximum, excluded.maximum)
        """
    }

    private func sweepOutbox(now: Int64, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("DELETE FROM ngsi_readings_hourly WHERE hour_ms < \(bind: now - Int64(hourlyDays) * Self.day)").run()
            try await sql.raw("DELETE FROM ngsi_notifications WHERE state = 'sent' AND created_at_ms < \(bind: now - Self.day)").run()
            try await sql.raw("DELETE FROM ngsi_notifications WHERE state = 'failed' AND created_at_ms < \(bind: now - 7 * Self.day)").run()
            // A subscriber down for two days loses what it missed (its status shows the failures), and notifications
            // of ended subscriptions (queued by an instance that had not yet heard of the end) go: the outbox stays bounded.
            let stale = try await sql.raw("""
                DELETE FROM ngsi_notifications WHERE (state = 'pending' AND created_at_ms < \(bind: now - 2 * Self.day)) \
                OR subscription_id NOT IN (SELECT id FROM ngsi_subscriptions) RETURNING subscription_id
                """).all()
            if !stale.isEmpty { logger.warning("NGSI-LD notifications given up undelivered", metadata: ["notifications": "\(stale.count)"]) }
        }
    }
}
