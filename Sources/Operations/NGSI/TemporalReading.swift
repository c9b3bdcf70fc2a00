import Foundation
import Logging
import Platform
import SQLKit

/// An entity's history from the readings: each numeric attribute's values in the window (normalised or as
/// `temporalValues`), or aggregated per period. Periods also count the hourly roll-ups of readings past their
/// retention, so a year's daily average survives the raw readings being swept.
extension NGSIBroker {
    /// Nil when the broker has never had readings or an entity with this id.
    public func history(of id: String, query: TemporalQuery, withContext: Bool, budget: TemporalBudget = TemporalBudget(), logger: Logger) async throws -> JSONValue? {
        let sql = try database.sql(logger: logger)
        let series = try await sql.raw("SELECT id, entity_type, attribute FROM ngsi_series WHERE entity_id = \(bind: id) ORDER BY attribute").all()
        let current = try await entity(id, logger: logger)
        guard let type = try current?.type ?? series.first?.decode(column: "entity_type", as: String.self) else { return nil }
        var members: [String: JSONValue] = ["id": .string(id), "type": .string(type)]
        if withContext { members["@context"] = current?.context ?? .string(NGSIContext.core) }
        for row in series {
            let attribute = try row.decode(column: "attribute", as: String.self)
            guard query.attributes?.contains(attribute) ?? true else { continue }
            let seriesID = try row.decode(column: "id", as: Int64.self)
            let value: JSONValue? = query.period == nil
                ? try await values(of: seriesID, query: query, budget: budget, on: sql)
                : try await aggregates(of: seriesID, query: query, budget: budget, on: sql)
            if let value { members[attribute] = value }
        }
        return .object(members)
    }

    private func values(of series: Int64, query: TemporalQuery, budget: TemporalBudget, on sql: any SQLDatabase) async throws -> JSONValue? {
        let window: SQLQueryString = "series_id = \(bind: series) AND observed_at_ms >= \(bind: query.from) AND observed_at_ms < \(bind: query.to)"
        var rows: [any SQLRow]
        if let lastN = query.lastN {
            rows = try await sql.raw("SELECT observed_at_ms, value FROM ngsi_readings WHERE " + window + " ORDER BY observed_at_ms DESC LIMIT \(bind: lastN)").all()
            rows.reverse()
        } else {
            rows = try await sql.raw("SELECT observed_at_ms, value FROM ngsi_readings WHERE " + window
                                     + " ORDER BY observed_at_ms LIMIT \(bind: TemporalQuery.maximumValues + 1)").all()
            guard rows.count <= TemporalQuery.maximumValues else {
                throw NGSIError(.tooManyResults, "More than \(TemporalQuery.maximumValues) values in the window; narrow it, use lastN or aggregate.")
            }
        }
        guard !rows.isEmpty else { return nil }
        try budget.spend(rows.count)
        let points = try rows.map { row in
            (NGSITime.format(Date(timeIntervalSince1970: Double(try row.decode(column: "observed_at_ms", as: Int64.self)) / 1000)),
             JSONValue.number(try row.decode(column: "value", as: Double.self)))
        }
        if query.temporalValues {
            return .object(["type": .string("Property"), "values": .array(points.map { .array([$0.1, .string($0.0)]) })])
        }
        return .array(points.map { .object(["type": .string("Property"), "value": $0.1, "observedAt": .string($0.0)]) })
    }

    private struct Bucket {
        var count: Int64 = 0
        var total = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
    }

    private func aggregates(of series: Int64, query: TemporalQuery, budget: TemporalBudget, on sql: any SQLDatabase) async throws -> JSONValue? {
        guard let period = query.period else { return nil }
        let origin = query.from
        var buckets: [Int64: Bucket] = [:]
        let raw = try await sql.raw("""
            SELECT (observed_at_ms - \(bind: origin)) / \(bind: period) AS bucket, COUNT(*) AS n, SUM(value) AS total, MIN(value) AS low, MAX(value) AS high \
            FROM ngsi_readings WHERE series_id = \(bind: series) AND observed_at_ms >= \(bind: query.from) AND observed_at_ms < \(bind: query.to) \
            GROUP BY 1 ORDER BY 1 LIMIT \(bind: TemporalQuery.maximumBuckets + 1)
            """).all()
        let rolled = try await sql.raw("""
            SELECT (hour_ms - \(bind: origin)) / \(bind: period) AS bucket, CAST(SUM(readings) AS BIGINT) AS n, SUM(total) AS total, MIN(minimum) AS low, MAX(maximum) AS high \
            FROM ngsi_readings_hourly WHERE series_id = \(bind: series) AND hour_ms >= \(bind: query.from) AND hour_ms < \(bind: query.to) \
            GROUP BY 1 ORDER BY 1 LIMIT \(bind: TemporalQuery.maximumBuckets + 1)
            """).all()
        for row in raw + rolled {
            let key = try row.decode(column: "bucket", as: Int64.self)
            var bucket = buckets[key] ?? Bucket()
            bucket.count += try row.decode(column: "n", as: Int64.self)
            bucket.total += try row.decode(column: "total", as: Double.self)
            bucket.minimum = min(bucket.minimum, try row.decode(column: "low", as: Double.self))
            bucket.maximum = max(bucket.maximum, try row.decode(column: "high", as: Double.self))
            buckets[key] = bucket
        }
        guard !buckets.isEmpty else { return nil }
        guard buckets.count <= TemporalQuery.maximumBuckets else {
            throw NGSIError(.tooManyResults, "More than \(TemporalQuery.maximumBuckets) periods; widen aggrPeriodDuration or narrow the window.")
        }
        try budget.spend(buckets.count * query.methods.count)
        var members: [String: JSONValue] = ["type": .string("Property")]
        let ordered = buckets.sorted { $0.key < $1.key }
        for method in query.methods {
            members[method.rawValue] = .array(ordered.map { key, bucket in
                let start = origin + key * period
                let value: Double = switch method {
                case .avg: bucket.total / Double(bucket.count)
                case .min: bucket.minimum
                case .max: bucket.maximum
                case .sum: bucket.total
                case .totalCount: Double(bucket.count)
                }
                return .array([.number(value), .string(Self.instant(start)), .string(Self.instant(start + period))])
            })
        }
        return .object(members)
    }

    static func instant(_ milliseconds: Int64) -> String { NGSITime.format(Date(timeIntervalSince1970: Double(milliseconds) / 1000)) }
}

/// How many values one answer may still hold: 50,000 across all its entities and attributes, so no request builds
/// an answer of millions of values (a week of minutes of one series is 10,080).
public final class TemporalBudget: @unchecked Sendable {
    // One request's reading spends it, one series after another; it is never shared between tasks.
    private var remaining: Int

    public init(values: Int = TemporalQuery.maximumValues) {
        remaining = values
    }

    func spend(_ values: Int) throws {
        remaining -= values
        guard remaining >= 0 else {
            throw NGSIError(.tooManyResults, "The answer would hold more than \(TemporalQuery.maximumValues) values; narrow the window or the attributes, use lastN or aggregate.")
        }
    }
}
