import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Testing

import FieldReports
import Payments
import PublicServices

@testable import Performance
@testable import Platform

/// The figures kept outside the platform, entered for units and periods, on the same fixed history.
extension ScorecardTests {
    /// An indicator kept outside the platform scores by the same rule once an admin enters it; the city adds up its units.
    @Test func figuresEnteredForAnIndicatorKeptOutsideAreScoredAndTheCityAddsThemUp() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            try await append(Self.history[...], to: database)
            try await CaseProjection(database: database).catchUp(logger: logger)
            try await database.write(logger: logger) { db in
                for (unit, numerator) in [("A", 9), ("B", 1)] {
                    try await OutsideFigures.save(OutsideFigure(unit: unit, period: "2026-11", indicator: "766-1", numerator: numerator, denominator: 10,
                                                                source: "Cổng DVC quốc gia, 30/11/2026", enteredBy: "admin", enteredAt: Self.at("2026-12-01T08:00:00+07:00")),
                                                  actorID: nil, on: db)
                }
            }
            func card(_ unit: String?) async throws -> Scorecard {
                let period = try #require(ReportingPeriod("2026-11"))
                let (start, end) = period.instants(in: try CityProfile.demo().calendar)
                let sql = try database.sql(logger: logger)
                let asOf = Self.at("2026-12-01T00:00:00+07:00")
                return Scorecard(unit: unit, period: period, asOf: asOf,
                                 tallies: try await CaseTally.count(from: start, to: end, unit: unit, kinds: Self.kinds, asOf: asOf, on: sql), indicators: Self.indicators,
                                 outside: OutsideFigures.sums(try await OutsideFigures.entered(period: "2026-11", unit: unit, on: sql)))
            }
            // 9 of 10 with no threshold: 0.9 × 18 = 16.2, on top of the 29.67 computed from the cases.
            let a = try await card("A")
            let published = try #require(a.lines.first { $0.indicator.code == "766-1" })
            #expect(published.numerator == 9 && published.points == 16.2 && published.enteredFrom == ["Cổng DVC quốc gia, 30/11/2026"])
            #expect(a.points == 45.87 && a.pointsPossible == 68 && a.pointsOutside == 32)
            // The city: 10 of 20 → 9 points; another period has nothing entered.
            #expect(try await card(nil).lines.first { $0.indicator.code == "766-1" }?.points == 9)
            #expect(try await OutsideFigures.entered(period: "2026-10", unit: nil, on: try database.sql(logger: logger)).isEmpty)
        }
    }

    /// A quarter or a year takes the figure entered for it, or else adds up those of all its months (a year, its
    /// quarters): A entered October to December, B the whole quarter and also November (the quarter's own wins), C only
    /// October (its quarter stays unknown), D each quarter but the third, and the third's months.
    @Test func aQuarterWithoutItsOwnFigureAddsUpItsMonths() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            try await database.write(logger: logger) { db in
                for (unit, period, numerator, denominator) in [("A", "2026-10", 3, 10), ("A", "2026-11", 6, 10), ("A", "2026-12", 1, 10),
                                                               ("B", "2026-Q4", 5, 20), ("B", "2026-11", 1, 1), ("C", "2026-10", 1, 2),
                                                               ("D", "2026-Q1", 1, 4), ("D", "2026-Q2", 1, 4), ("D", "2026-07", 1, 4),
                                                               ("D", "2026-08", 1, 4), ("D", "2026-09", 1, 4), ("D", "2026-Q4", 1, 4)] {
                    try await OutsideFigures.save(OutsideFigure(unit: unit, period: period, indicator: "766-4", numerator: numerator, denominator: denominator,
                                                                source: "kho \(period)", enteredBy: "admin", enteredAt: Self.at("2026-12-01T08:00:00+07:00")),
                                                  actorID: nil, on: db)
                }
            }
            let sql = try database.sql(logger: logger)
            func sum(_ period: String, _ unit: String?) async throws -> OutsideFigure.Sum? {
                OutsideFigures.sums(try await OutsideFigures.covering(try #require(ReportingPeriod(period)), unit: unit, on: sql))["766-4"]
            }
            #expect(try await sum("2026-Q4", "A") == OutsideFigure.Sum(numerator: 10, denominator: 30, sources: ["kho 2026-10", "kho 2026-11", "kho 2026-12"]))
            #expect(try await sum("2026-Q4", "B") == OutsideFigure.Sum(numerator: 5, denominator: 20, sources: ["kho 2026-Q4"]))
            #expect(try await sum("2026-Q4", "C") == nil)
            #expect(try await sum("2026-Q4", nil).map { [$0.numerator, $0.denominator] } == [16, 54])
            // The year: only D has all four quarters.
            #expect(try await sum("2026", nil) == OutsideFigure.Sum(numerator: 6, denominator: 24,
                                                                    sources: ["kho 2026-Q1", "kho 2026-Q2", "kho 2026-07", "kho 2026-08", "kho 2026-09", "kho 2026-Q4"]))
            #expect(try await sum("2026-11", "B")?.numerator == 1)
            #expect(try await sum("2025-Q3", nil) == nil)
        }
    }
}
