import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// A Decision 766 figure whose data lives outside the platform (procedures published on the national portal,
/// dossiers digitised, payments made through the national portal), entered by an admin for a unit and period with
/// where it comes from. The scorecard scores it by the same rule and says who entered it.
public struct OutsideFigure: Sendable, Codable, Equatable {
    public var unit: String
    public var period: String
    public var indicator: String
    public var numerator: Int
    public var denominator: Int
    /// Where the numbers come from (the national portal's report of a date, an inspection).
    public var source: String
    public var enteredBy: String
    public var enteredAt: Date

    /// One figure per unit, period and indicator.
    var key: String { "\(unit)\u{0}\(period)\u{0}\(indicator)" }

    /// What a line of the scorecard shows: the figures of its units added up.
    struct Sum: Sendable, Equatable {
        var numerator: Int
        var denominator: Int
        var sources: [String]
    }
}

/// What an admin sends to enter one figure.
struct OutsideFigureInput: ValidatedInput {
    var unit: String
    var period: String
    var indicator: String
    var numerator: Int
    var denominator: Int
    var source: String

    /// A unit's procedures, dossiers or payments in a year: far below this.
    static let most = 10_000_000

    func validate() -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        if ReportingPeriod(period) == nil { errors.append(.init(field: "period", message: "must be a year, a quarter, a month or a span of days")) }
        if !(1...Self.most).contains(denominator) { errors.append(.init(field: "denominator", message: "must be from 1 to 10,000,000")) }
        if !(0...Self.most).contains(numerator) || numerator > denominator {
            errors.append(.init(field: "numerator", message: "must be from 0 to the denominator"))
        }
        let trimmed = source.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.utf8.count > 800 { errors.append(.init(field: "source", message: "must say where the figure comes from, in at most 800 bytes")) }
        if unit.isEmpty || unit.utf8.count > 64 { errors.append(.init(field: "unit", message: "must name a unit")) }
        return errors
    }
}

struct CreateOutsideFigures: AsyncMigration {
    var name: String { "performance.outside.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("performance_outside_figures")
            .field("unit_code", .string, .required)
            .field("period", .string, .required)
            .field("indicator", .string, .required)
            .field("numerator", .int, .required)
            .field("denominator", .int, .required)
            .field("source", .string, .required)
            .field("entered_by", .string, .required)
            .field("entered_at", .datetime, .required)
            .unique(on: "unit_code", "period", "indicator")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("performance_outside_figures").delete()
    }
}

/// Reads and writes of `performance_outside_figures`.
enum OutsideFigures {
    static let columns = "unit_code, period, indicator, numerator, denominator, source, entered_by, entered_at"

    /// The figures entered for exactly this period, in one unit or all of them.
    static func entered(period: String, unit: String?, on sql: any SQLDatabase) async throws -> [OutsideFigure] {
        let unitFilter: SQLQueryString = unit.map { "AND unit_code = \(bind: $0)" } ?? ""
        return try await sql.raw("""
            SELECT \(unsafeRaw: columns) FROM performance_outside_figures WHERE period = \(bind: period) \(unitFilter) ORDER BY unit_code, indicator
            """).all().map(figure)
    }

    static func figure(_ row: any SQLRow) throws -> OutsideFigure {
        OutsideFigure(unit: try row.decode(column: "unit_code", as: String.self), period: try row.decode(column: "period", as: String.self),
                      indicator: try row.decode(column: "indicator", as: String.self), numerator: try row.decode(column: "numerator", as: Int.self),
                      denominator: try row.decode(column: "denominator", as: Int.self), source: try row.decode(column: "source", as: String.self),
                      enteredBy: try row.decode(column: "entered_by", as: String.self), enteredAt: try row.decode(column: "entered_at", as: Date.self))
    }

    /// The figures that stand for `period`, in one unit or all: for each unit and indicator the figure entered for the
    /// period itself, or else those of all its parts (a quarter's three months; a year's four quarters, each its own or
    /// its months), which `sums` then adds up.
    static func covering(_ period: ReportingPeriod, unit: String?, on sql: any SQLDatabase) async throws -> [OutsideFigure] {
        let periods = period.withParts
        let unitFilter: SQLQueryString = unit.map { "AND unit_code = \(bind: $0)" } ?? ""
        let rows = try await sql.raw("""
            SELECT \(unsafeRaw: columns) FROM performance_outside_figures WHERE period IN (\(binds: periods.map(\.label))) \(unitFilter) \
            ORDER BY unit_code, indicator, period
            """).all().map(figure)
        let byKey = Dictionary(grouping: rows) { "\($0.unit)\u{0}\($0.indicator)" }
        return byKey.keys.sorted().flatMap { key in resolve(period, in: Dictionary(grouping: byKey[key] ?? [], by: \.period)) }
    }

    /// The figure of `period`, or else those of all its parts; none when a part has none (two months scored as a
    /// quarter would misstate it). The counts of the parts add up, so their rate is the period's pooled rate.
    static func resolve(_ period: ReportingPeriod, in byPeriod: [String: [OutsideFigure]]) -> [OutsideFigure] {
        if let exact = byPeriod[period.label] { return exact }
        let parts = period.parts
        var figures: [OutsideFigure] = []
        for part in parts {
            let found = resolve(part, in: byPeriod)
            guard !found.isEmpty else { return [] }
            figures += found
        }
        return figures
    }

    /// The figures added up per indicator: the city's line is the sum of its units'.
    static func sums(_ figures: [OutsideFigure]) -> [String: OutsideFigure.Sum] {
        var sums: [String: OutsideFigure.Sum] = [:]
        for figure in figures {
            var sum = sums[figure.indicator] ?? OutsideFigure.Sum(numerator: 0, denominator: 0, sources: [])
            // Each at most 10 million, so even every unit of a city added up stays far from overflowing.
            sum.numerator += figure.numerator
            sum.denominator += figure.denominator
            if !sum.sources.contains(figure.source) { sum.sources.append(figure.source) }
            sums[figure.indicator] = sum
        }
        return sums
    }

    static func save(_ figure: OutsideFigure, actorID: String?, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO performance_outside_figures (\(unsafeRaw: columns)) VALUES (\(bind: figure.unit), \(bind: figure.period), \(bind: figure.indicator), \
            \(bind: figure.numerator), \(bind: figure.denominator), \(bind: figure.source), \(bind: figure.enteredBy), \(bind: figure.enteredAt)) \
            ON CONFLICT (unit_code, period, indicator) DO UPDATE SET numerator = excluded.numerator, denominator = excluded.denominator, \
            source = excluded.source, entered_by = excluded.entered_by, entered_at = excluded.entered_at
            """).run()
        try await EventLog.append(
            try DomainEvent(type: "performance.outside-figure.entered", actorID: actorID, actorName: figure.enteredBy, unitCode: figure.unit,
                            subject: "indicator:\(figure.indicator)",
                            payload: ["period": figure.period, "numerator": String(figure.numerator), "denominator": String(figure.denominator),
                                      "source": figure.source],
                            occurredAt: figure.enteredAt),
            on: db)
    }
}
