import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// Each live figure's city value over time, by minute, hour and day: the value a bucket ended with. A bucket is
/// written only when the value moved; reading carries the last value forward through quiet buckets.
public struct LiveFigureSeries: Sendable {
    public enum Resolution: String, Sendable, CaseIterable {
        case minute, hour, day

        var milliseconds: Int64 {
            switch self {
            case .minute: 60_000
            case .hour: 3_600_000
            case .day: 86_400_000
            }
        }

        /// How long its buckets are kept, and so how far back one answer may reach.
        var kept: Int64 {
            switch self {
            case .minute: 2 * 86_400_000
            case .hour: 90 * 86_400_000
            case .day: 3 * 366 * 86_400_000
            }
        }

        /// What an answer covers when the caller does not say.
        var defaultSpan: Int64 {
            switch self {
            case .minute: 3_600_000
            case .hour: 2 * 86_400_000
            case .day: 30 * 86_400_000
            }
        }
    }

    public struct Point: Sendable, Encodable, Equatable {
        public let at: Date
        public let value: Double?
    }

    /// The values last written, so an unchanged figure costs nothing (lost at restart: the first round writes all).
    final class Written: Sendable {
        let values = Mutex<[String: LiveFigureValue]>([:])
        let lastSweep = Mutex<Int64>(0)
    }

    let database: PlatformDatabase
    /// Days (and hours) start at the city's midnight, not UTC's: a "today" figure's day bucket ends with the day.
    let timeZone: TimeZone
    let written = Written()

    /// The start of the bucket holding `milliseconds`, in the city's time (exact for zones without daylight saving,
    /// such as Vietnam's).
    func bucket(_ milliseconds: Int64, _ resolution: Resolution) -> Int64 {
        let offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))) * 1000
        let local = milliseconds + offset
        let step = resolution.milliseconds
        return local - ((local % step) + step) % step - offset
    }

    /// Writes the buckets of the figures that moved since the last round (in their value or any unit's) and their
    /// indicator entities, and tells the live streams; returns the codes that moved.
    @discardableResult
    func record(_ values: [LiveFigureValue], entities: LiveFigureEntities?, at now: Date, logger: Logger) async throws -> [String] {
        let before = written.values.withLock { $0 }
        let moved = values.filter { before[$0.code] != $0 }
        // Every figure, not only those that moved: an indicator unchanged for a day is written again.
        let kpis = entities?.changes(values, at: now)
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        let sweep = written.lastSweep.withLock { last in
            guard nowMs - last >= 3_600_000 else { return false }
            last = nowMs
            return true
        }
        guard !moved.isEmpty || sweep || kpis?.entities.isEmpty == false else { return [] }
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            for figure in moved {
                for resolution in Resolution.allCases {
                    let start = bucket(nowMs, resolution)
                    try await sql.raw("""
                        INSERT INTO ioc_live_series (figure, resolution, bucket_ms, value) VALUES (\(bind: figure.code), \(bind: resolution.rawValue), \
                        \(bind: start), \(bind: figure.value)) ON CONFLICT (figure, resolution, bucket_ms) DO UPDATE SET value = excluded.value
                        """).run()
                }
            }
            if sweep {
                for resolution in Resolution.allCases {
                    try await sql.raw("""
                        DELETE FROM ioc_live_series WHERE resolution = \(bind: resolution.rawValue) AND bucket_ms < \(bind: nowMs - resolution.kept)
                        """).run()
                }
            }
            if let entities, let kpis { try await entities.write(kpis.entities, at: now, on: sql, logger: logger) }
            if !moved.isEmpty { ChangeTopics.noteChange(LiveFigureValues.changeTopic) }
        }
        if let entities, let kpis { entities.remember(kpis.after) }
        written.values.withLock { written in for figure in moved { written[figure.code] = figure } }
        return moved.map(\.code)
    }

    /// Forgets what was written (another instance may have written since): the next round writes every figure.
    func forget() { written.values.withLock { $0 = [:] } }

    /// The figure's buckets from `from` to `to`, each with the value it ended with (carried through quiet ones).
    func points(_ code: String, resolution: Resolution, from: Date, to: Date, logger: Logger) async throws -> [Point] {
        let step = resolution.milliseconds
        let start = bucket(Int64((from.timeIntervalSince1970 * 1000).rounded(.down)), resolution)
        let end = bucket(Int64((to.timeIntervalSince1970 * 1000).rounded(.down)), resolution)
        guard end >= start else { return [] }
        let sql = try database.sql(logger: logger)
        let earlier = try await sql.raw("""
            SELECT value FROM ioc_live_series WHERE figure = \(bind: code) AND resolution = \(bind: resolution.rawValue) AND bucket_ms < \(bind: start) \
            ORDER BY bucket_ms DESC LIMIT 1
            """).first().map { try $0.decode(column: "value", as: Double?.self) }
        let rows = try await sql.raw("""
            SELECT bucket_ms, value FROM ioc_live_series WHERE figure = \(bind: code) AND resolution = \(bind: resolution.rawValue) \
            AND bucket_ms >= \(bind: start) AND bucket_ms <= \(bind: end) ORDER BY bucket_ms
            """).all()
        var known: [Int64: Double?] = [:]
        for row in rows { known[try row.decode(column: "bucket_ms", as: Int64.self)] = try row.decode(column: "value", as: Double?.self) }
        var points: [Point] = []
        // Nil before the first value, and for a share with nothing to share.
        var current: Double? = earlier ?? nil
        for bucket in stride(from: start, through: end, by: Int(step)) {
            if let value = known[bucket] { current = value }
            points.append(Point(at: Date(timeIntervalSince1970: Double(bucket) / 1000), value: current))
        }
        return points
    }
}
