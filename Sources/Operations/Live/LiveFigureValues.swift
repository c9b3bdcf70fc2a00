import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// A live figure as it stands: the city's value, and the same by unit and by category where the figure has them.
public struct LiveFigureValue: Sendable, Encodable, Equatable {
    /// One unit's (or category's) share of the figure.
    public struct Slice: Sendable, Encodable, Equatable {
        public let key: String
        public let value: Double?
        public let part: Int64
        public let whole: Int64?
    }

    public let code: String
    public let name: [String: String]
    public let kind: String
    /// `day`, `month` or `always`, and which one (`2026-12-02`) for the first two.
    public let period: String
    public let periodKey: String?
    /// Nil for a share with nothing to share yet (no dossiers today): unknown, not zero.
    public let value: Double?
    public let part: Int64
    public let whole: Int64?
    public let byUnit: [Slice]
    public let byCategory: [Slice]

    /// The figure without its breakdown (for callers who may not see it).
    var totalOnly: LiveFigureValue {
        LiveFigureValue(code: code, name: name, kind: kind, period: period, periodKey: periodKey, value: value, part: part, whole: whole,
                        byUnit: [], byCategory: [])
    }
}

/// Reads the live figures from their tables.
public struct LiveFigureValues: Sendable {
    /// The change type the figures note when they move: `/api/v1/live` streams it under `operations.figures`.
    public static let changeTopic = "operations.figures.changed"
    /// Every tally, sum and total is kept within ±2⁴⁸ (280 trillion: past any day's fees in đồng), so two of them
    /// never overflow when added, and the database's SUM over a figure's few thousand rows stays within 64 bits.
    public static let cap: Int64 = 1 << 48

    static func bounded(_ value: Int64) -> Int64 { min(cap, max(-cap, value)) }
    public static let streamTopic = "operations.figures"
    let database: PlatformDatabase
    let book: LiveFigureBook

    public func all(at now: Date, logger: Logger) async throws -> [LiveFigureValue] {
        let sql = try database.sql(logger: logger)
        var values: [LiveFigureValue] = []
        for figure in book.figures { values.append(try await value(of: figure, at: now, on: sql)) }
        return values
    }

    public func value(_ code: String, at now: Date, logger: Logger) async throws -> LiveFigureValue? {
        guard let figure = book.figure(code) else { return nil }
        return try await value(of: figure, at: now, on: try database.sql(logger: logger))
    }

    func value(of figure: LiveFigure, at now: Date, on sql: any SQLDatabase) async throws -> LiveFigureValue {
        let owner = book.itemsOwner(of: figure)
        let period = book.period(of: owner, at: now)
        let byUnit = try await slices(of: figure, owner: owner, period: period, by: "unit_code", at: now, on: sql)
        let byCategory: [LiveFigureValue.Slice]
        if case .openShare = figure.kind { byCategory = [] } else {
            byCategory = try await slices(of: figure, owner: owner, period: period, by: "category", at: now, on: sql)
        }
        let part = byUnit.reduce(Int64(0)) { Self.bounded($0 + $1.part) }
        let whole = byUnit.allSatisfy({ $0.whole == nil }) && !Self.isShare(figure.kind) ? nil : byUnit.reduce(Int64(0)) { Self.bounded($0 + ($1.whole ?? 0)) }
        return LiveFigureValue(code: figure.code, name: figure.name, kind: Self.kindName(figure.kind), period: figure.period.rawValue,
                               periodKey: period.isEmpty ? nil : period, value: Self.value(part: part, whole: whole, share: Self.isShare(figure.kind)),
                               part: part, whole: whole, byUnit: byUnit, byCategory: byCategory)
    }

    /// The figure grouped by `column` (`unit_code` or `category`), largest first; things with none are under "".
    func slices(of figure: LiveFigure, owner: LiveFigure, period: String, by column: String, at now: Date,
                on sql: any SQLDatabase) async throws -> [LiveFigureValue.Slice] {
        let group = SQLRaw("COALESCE(\(column), '')")
        let query: SQLQueryString
        switch figure.kind {
        case .count, .share:
            query = """
                SELECT \(group) AS k, CAST(SUM(part) AS BIGINT) AS p, CAST(SUM(whole) AS BIGINT) AS w FROM ioc_live_tallies \
                WHERE figure = \(bind: figure.code) AND period = \(bind: period) GROUP BY \(group)
                """
        case .open:
            query = """
                SELECT \(group) AS k, COUNT(*) AS p, NULL AS w FROM ioc_live_items WHERE figure = \(bind: figure.code) AND period = \(bind: period) \
                AND is_open = 1 GROUP BY \(group)
                """
        case .overdue:
            let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded())
            query = """
                SELECT \(group) AS k, COUNT(*) AS p, NULL AS w FROM ioc_live_items WHERE figure = \(bind: owner.code) AND period = \(bind: period) \
                AND is_open = 1 AND due_at_ms < \(bind: nowMs) GROUP BY \(group)
                """
        case .openShare(let category):
            query = """
                SELECT \(group) AS k, CAST(SUM(CASE WHEN category = \(bind: category) THEN 1 ELSE 0 END) AS BIGINT) AS p, COUNT(*) AS w \
                FROM ioc_live_items WHERE figure = \(bind: figure.code) AND period = \(bind: period) AND is_open = 1 GROUP BY \(group)
                """
        }
        let share = Self.isShare(figure.kind)
        return try await sql.raw(query).all().map { row in
            let part = try row.decode(column: "p", as: Int64.self)
            let whole = try row.decode(column: "w", as: Int64?.self)
            return LiveFigureValue.Slice(key: try row.decode(column: "k", as: String.self), value: Self.value(part: part, whole: whole, share: share),
                                         part: part, whole: whole)
        }.sorted { ($0.value ?? -1, $1.key) > ($1.value ?? -1, $0.key) }
    }

    static func isShareKind(_ kind: String) -> Bool { kind == "share" }

    static func isShare(_ kind: LiveFigure.Kind) -> Bool {
        switch kind {
        case .share, .openShare: true
        case .count, .open, .overdue: false
        }
    }

    static func value(part: Int64, whole: Int64?, share: Bool) -> Double? {
        guard share else { return Double(part) }
        guard let whole, whole > 0 else { return nil }
        return Double(part) / Double(whole)
    }

    static func kindName(_ kind: LiveFigure.Kind) -> String {
        switch kind {
        case .count: "count"
        case .share: "share"
        case .open: "open"
        case .overdue: "overdue"
        case .openShare: "share"
        }
    }
}
