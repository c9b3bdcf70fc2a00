import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Testing

@testable import Operations
@testable import Platform

/// A reading for an hour the roll-up has already summarised would be counted twice if stored again, so it is
/// refused with its reason, whichever way it comes; an old hour never summarised still takes readings.
struct SummarisedHourTests {
    let logger = Logger(label: "test")
    static let start = NGSITime.parse("2026-12-01T00:00:00Z")!
    static let gauge = "urn:ngsi-ld:WaterLevelObserved:kim-long"

    static func gauge(_ level: Double, minutes: Int, id: String = gauge, extra: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "type": .string("WaterLevelObserved"),
            "waterLevel": .object(["type": .string("Property"), "value": .number(level),
                                   "observedAt": .string(NGSITime.format(start.addingTimeInterval(Double(minutes) * 60)))]),
        ]
        members.merge(extra) { _, new in new }
        return .object(members)
    }

    /// Day one's readings as the daily figures count them: how many, and their sum.
    func dayOne(_ broker: NGSIBroker) async throws -> (count: Double?, sum: Double?) {
        let daily = try TemporalQuery(parameters: ["timerel": "after", "timeAt": "2026-12-01T00:00:00Z", "aggrMethods": "totalCount,sum",
                                                   "aggrPeriodDuration": "P1D"])
        let figures = try await broker.history(of: Self.gauge, query: daily, withContext: false, logger: logger)?.object?["waterLevel"]?.object
        return (figures?["totalCount"]?.array?.first?.array?.first?.number, figures?["sum"]?.array?.first?.array?.first?.number)
    }

    /// A migrated broker two days after `start`, and a parser at that instant.
    func twoDaysIn(_ database: PlatformDatabase) async throws -> (TestClock, NGSIBroker, EntityParser) {
        try await database.migrate(EventLog.migrations() + OperationsModule.brokerMigrations, logger: logger)
        let clock = TestClock(Self.start.addingTimeInterval(2 * 86_400))
        return (clock, NGSIBroker(database: database, clock: clock.reading), EntityParser(now: clock.now))
    }

    @Test func aReadingSentAgainForASummarisedHourIsRefusedAndCountedOnce() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            let (clock, broker, parser) = try await twoDaysIn(database)
            // Six readings in day one's first hour, then one on day two (the gauge's current level).
            for minutes in stride(from: 0, to: 60, by: 10) {
                _ = try await broker.write([try parser.entity(Self.gauge(1 + Double(minutes) / 100, minutes: minutes))],
                                           operation: .merge(overwrite: true), logger: logger)
            }
            _ = try await broker.write([try parser.entity(Self.gauge(2.5, minutes: 36 * 60))], operation: .merge(overwrite: true), logger: logger)
            #expect(try await SensorRetention(database: database, rawDays: 1, hourlyDays: 30, clock: clock.reading).sweep(logger: logger) == 6)
            let before = try await dayOne(broker)
            #expect(before.count == 6)

            // A gateway replays its buffer: day one's 00:10 reading again, with a fresh reading of another gauge.
            let other = "urn:ngsi-ld:WaterLevelObserved:phu-cam"
            let replay = [try parser.entity(Self.gauge(1.1, minutes: 10)), try parser.entity(Self.gauge(0.8, minutes: 47 * 60, id: other))]
            let outcome = try await broker.write(replay, operation: .merge(overwrite: true), logger: logger)
            #expect(outcome.errors.map(\.entityID) == [Self.gauge])
            #expect(outcome.errors.first?.error.kind == .badRequestData)
            #expect(outcome.errors.first?.error.detail.contains("hourly figures") == true)
            #expect(outcome.errors.first?.error.detail.contains("attribute waterLevel") == true)
            #expect(try await broker.entity(other, logger: logger)?.attributes["waterLevel"]?.object?["value"] == .number(0.8))
            // The refused reading left the gauge's current level as it was.
            #expect(try await broker.entity(Self.gauge, logger: logger)?.attributes["waterLevel"]?.object?["value"] == .number(2.5))

            // Replacing the gauge whole keeps its level too, and a request about the one entity stores nothing of it.
            let replaced = try await broker.write([try parser.entity(Self.gauge(1.1, minutes: 10))], operation: .replace, logger: logger)
            #expect(replaced.errors.count == 1)
            #expect(try await broker.entity(Self.gauge, logger: logger)?.attributes["waterLevel"]?.object?["value"] == .number(2.5))
            let alone = try parser.entity(Self.gauge(1.1, minutes: 10, extra: ["temperature": .number(21)]))
            await #expect(throws: NGSIError.self) { try await broker.write([alone], operation: .update(overwrite: true), whole: true, logger: logger) }
            #expect(try await broker.entity(Self.gauge, logger: logger)?.attributes["temperature"] == nil)
            let old: [String: JSONValue] = ["waterLevel": .object(["type": .string("Property"), "value": .number(1.1),
                                                                   "observedAt": .string("2026-12-01T00:10:00Z")])]
            await #expect(throws: NGSIError.self) { try await broker.patch(Self.gauge, attributes: old, linkContext: nil, logger: logger) }

            // Nothing was stored for the summarised hour: the next sweep has nothing to add, and the day counts six.
            #expect(try await SensorRetention(database: database, rawDays: 1, hourlyDays: 30, clock: clock.reading).sweep(logger: logger) == 0)
            let after = try await dayOne(broker)
            #expect(after.count == 6 && after.sum == before.sum)

            // An hour of day one never summarised (nothing was read then) takes an archived reading, summarised next.
            let archived = try await broker.write([try parser.entity(Self.gauge(1.7, minutes: 5 * 60))], operation: .merge(overwrite: true), logger: logger)
            #expect(archived.errors.isEmpty)
            #expect(try await SensorRetention(database: database, rawDays: 1, hourlyDays: 30, clock: clock.reading).sweep(logger: logger) == 1)
            #expect(try await dayOne(broker).count == 7)
        }
    }

    @Test func onlyReadingsTheWriteWouldStoreAreRefused() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            let (clock, broker, parser) = try await twoDaysIn(database)
            _ = try await broker.write([try parser.entity(Self.gauge(1.0, minutes: 10))], operation: .merge(overwrite: true), logger: logger)
            #expect(try await SensorRetention(database: database, rawDays: 1, hourlyDays: 30, clock: clock.reading).sweep(logger: logger) == 1)
            // The sweep's mark: the end of what it rolled up (day one's readings). A database summarised before the
            // mark existed gets it from its figures: the hour after the last one summarised.
            let sql = try database.sql(logger: logger)
            #expect(try await MarkSummarisedHours.mark(on: sql) == Int64(Self.start.timeIntervalSince1970 * 1000) + 86_400_000)
            try await sql.raw("DELETE FROM ngsi_summarised").run()
            try await MarkSummarisedHours().prepare(on: try database.db(logger: logger))
            #expect(try await MarkSummarisedHours.mark(on: sql) == Int64(Self.start.timeIntervalSince1970 * 1000) + 3_600_000)

            // With noOverwrite the stored level stays, so no reading is stored and none refused.
            let kept = try await broker.write([try parser.entity(Self.gauge(1.4, minutes: 20))], operation: .update(overwrite: false), logger: logger)
            #expect(kept.errors.isEmpty)
            // Creating an entity that exists is refused as existing, not for its reading.
            await #expect(throws: NGSIError.self) {
                do { _ = try await broker.write([try parser.entity(Self.gauge(1.4, minutes: 20))], operation: .create, whole: true, logger: logger) } catch let error as NGSIError {
                    #expect(error.kind == .alreadyExists)
                    throw error
                }
            }
            // The stored reading written back as it was read (here with a new unit) is no new observation: accepted,
            // and not counted again.
            var same = try parser.entity(Self.gauge(1.0, minutes: 10))
            if case .object(var members)? = same.entity.attributes["waterLevel"] {
                members["unitCode"] = .string("MTR")
                same.entity.attributes["waterLevel"] = .object(members)
            }
            #expect(try await broker.write([same], operation: .update(overwrite: true), whole: true, logger: logger).errors.isEmpty)
            #expect(try await broker.entity(Self.gauge, logger: logger)?.attributes["waterLevel"]?.object?["unitCode"] == .string("MTR"))

            // Deleted and created again from an archive: its history keeps the summarised hour, so that reading is
            // refused and the entity is created without it (a batch create, whose rows are worked out in advance).
            _ = try await broker.delete([Self.gauge], logger: logger)
            let recreated = try await broker.write([try parser.entity(Self.gauge(1.0, minutes: 10, extra: ["temperature": .number(20)]))],
                                                   operation: .create, logger: logger)
            #expect(recreated.created == [Self.gauge] && recreated.errors.count == 1)
            let stored = try await broker.entity(Self.gauge, logger: logger)
            #expect(stored?.attributes["waterLevel"] == nil && stored?.attributes["temperature"] != nil)
            #expect(try await SensorRetention(database: database, rawDays: 1, hourlyDays: 30, clock: clock.reading).sweep(logger: logger) == 0)
            #expect(try await dayOne(broker).count == 1)
        }
    }
}
