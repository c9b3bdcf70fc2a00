import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Testing

@testable import Operations
@testable import Platform

/// `PATCH …/attrs` requests sent together are written together (`PatchGroups`); each caller must still get the
/// answer it would have had alone, and every change and reading must be stored.
struct PatchGroupTests {
    let logger = Logger(label: "test")
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    static let `operator` = Principal(accountID: "ioc-1", username: "ioc", displayName: "IOC operator",
                                      grants: [RoleGrant(role: .iocOperator, unitCode: "hue-ioc")], credential: .accessToken)

    static func stationID(_ index: Int) -> String { "urn:ngsi-ld:AirQualityObserved:patch-\(index)" }
    static let attributes = ["pm25", "pm10", "no2", "temperature"]

    func stations(_ count: Int, on database: PlatformDatabase, broker: NGSIBroker, at instant: Date) async throws {
        try await database.migrate(EventLog.migrations() + OperationsModule.brokerMigrations, logger: logger)
        let parser = EntityParser(now: instant)
        let parsed = try (0..<count).map { index in
            var members: [String: JSONValue] = ["id": .string(Self.stationID(index)), "type": .string("AirQualityObserved")]
            for name in Self.attributes {
                members[name] = .object(["type": .string("Property"), "value": .number(1), "observedAt": .string(NGSITime.format(instant))])
            }
            return try parser.entity(.object(members))
        }
        #expect(try await broker.write(parsed, operation: .replace, logger: logger).created.count == count)
    }

    static func reading(_ value: Double, at instant: Date) -> JSONValue {
        .object(["type": .string("Property"), "value": .number(value), "observedAt": .string(NGSITime.format(instant))])
    }

    @Test func patchesSentTogetherEachGetTheirOwnAnswerAndAllAreStored() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            let clock = TestClock(Self.start)
            let broker = NGSIBroker(database: database, clock: clock.reading)
            try await stations(8, on: database, broker: broker, at: Self.start.addingTimeInterval(-600))
            let alert = NGSIEntity(id: "urn:ngsi-ld:Alert:river", type: "Alert", attributes: ["severity": .object(["type": .string("Property"), "value": .string("high")])])
            try await database.write(logger: logger) { db in
                try await broker.apply([alert], operation: .replace, at: Self.start, on: try #require(db as? any SQLDatabase), logger: logger)
            }
            // A subscriber of PM2.5: a group's patches must each owe it their own notification, as if written alone.
            let subscription = try NGSISubscription.parse(try NGSIDocument.decode(Data(#"""
                {"type":"Subscription","entities":[{"type":"AirQualityObserved"}],"watchedAttributes":["pm25"],
                 "notification":{"attributes":["pm25"],"endpoint":{"uri":"https://alerts.example.vn/pm25","accept":"application/json"}}}
                """#.utf8)), id: "urn:ngsi-ld:Subscription:pm25")
            try await broker.subscribe(subscription, by: Self.operator, logger: logger)
            // Each station gets one patch per attribute, all written as one group, each with its own value and time.
            broker.patches.gatherNext(36)
            let results = await withTaskGroup(of: (String, Result<NGSIBroker.Outcome, any Error>).self) { group in
                for station in 0..<8 {
                    for (offset, name) in Self.attributes.enumerated() {
                        let value = Double(station * 10 + offset), instant = Self.start.addingTimeInterval(-Double(60 * (offset + 1)))
                        group.addTask {
                            let outcome = await Self.attempt { try await broker.patch(Self.stationID(station), attributes: [name: Self.reading(value, at: instant)],
                                                                                linkContext: nil, logger: logger) }
                            return ("\(station).\(name)", outcome)
                        }
                    }
                }
                group.addTask { ("missing", await Self.attempt { try await broker.patch("urn:ngsi-ld:AirQualityObserved:nowhere", attributes: ["pm25": .number(3)],
                                                                                   linkContext: nil, logger: logger) }) }
                group.addTask { ("words", await Self.attempt { try await broker.patch(Self.stationID(3), attributes: ["pm25": .string("high")],
                                                                                 linkContext: nil, logger: logger) }) }
                group.addTask { ("unknown", await Self.attempt { try await broker.patch(Self.stationID(5), attributes: ["ozone": .number(4)],
                                                                                   linkContext: nil, logger: logger) }) }
                group.addTask { ("alert", await Self.attempt { try await broker.patch("urn:ngsi-ld:Alert:river", attributes: ["severity": .string("low")],
                                                                                 linkContext: nil, logger: logger) }) }
                return await group.reduce(into: [String: Result<NGSIBroker.Outcome, any Error>]()) { $0[$1.0] = $1.1 }
            }
            #expect(broker.patches.largestGroup == 36)
            for station in 0..<8 {
                for name in Self.attributes {
                    let outcome = try #require(try? results["\(station).\(name)"]?.get(), "\(station).\(name): \(String(describing: results["\(station).\(name)"]))")
                    #expect(outcome.updated == [Self.stationID(station)] && outcome.errors.isEmpty && outcome.notUpdated.isEmpty)
                }
                // Every patch of the station is in its document, and each left a reading beside the first one.
                let stored = try #require(try await broker.entity(Self.stationID(station), logger: logger))
                for (offset, name) in Self.attributes.enumerated() {
                    #expect(stored.attributes[name]?.object?["value"] == .number(Double(station * 10 + offset)), "\(station).\(name): \(stored.attributes[name] ?? .null)")
                }
                let history = try await broker.history(of: Self.stationID(station), query: TemporalQuery(), withContext: false, logger: logger)
                #expect(Self.attributes.allSatisfy { history?.object?[$0]?.array?.count == 2 }, "\(history ?? .null)")
            }
            #expect(Self.kind(results["missing"]) == .resourceNotFound)
            #expect(Self.kind(results["words"]) == .badRequestData)
            #expect(Self.kind(results["alert"]) == .badRequestData)
            #expect(try results["unknown"]?.get().notUpdated == [Self.stationID(5): ["ozone"]])
            #expect(try await broker.entity("urn:ngsi-ld:Alert:river", logger: logger)?.attributes["severity"]?.object?["value"] == .string("high"))
            let notices = try await database.sql(logger: logger).raw("SELECT body FROM ngsi_notifications").all()
                .map { try NGSIDocument.decode(Data(try $0.decode(column: "body", as: String.self).utf8)) }
            let notified = notices.compactMap { $0.object?["data"]?.array }
            #expect(notified.count == 8 && notified.allSatisfy { $0.count == 1 }, "one notification per PM2.5 patch: \(notified)")
            #expect(Set(notified.compactMap { $0.first?.object?["id"]?.string }) == Set((0..<8).map(Self.stationID)))
            // The refused words left station 3's PM2.5 as its own patch set it.
            #expect(try await broker.entity(Self.stationID(3), logger: logger)?.attributes["pm25"]?.object?["value"] == .number(30))
        }
    }

    @Test func aStoredDocumentThatNoLongerReadsFailsOnlyItsOwnPatch() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            let clock = TestClock(Self.start)
            let broker = NGSIBroker(database: database, clock: clock.reading)
            try await stations(6, on: database, broker: broker, at: Self.start.addingTimeInterval(-600))
            let sql = try database.sql(logger: logger)
            let broken: SQLQueryString = sql.dialect.name == "postgresql" ? "'[]'::jsonb" : "jsonb('[]')"
            try await sql.raw("UPDATE ngsi_entities SET body = \(broken) WHERE id = \(bind: Self.stationID(0))").run()
            broker.patches.gatherNext(24)
            let results = await withTaskGroup(of: (Int, Result<NGSIBroker.Outcome, any Error>).self) { group in
                for round in 0..<4 {
                    for station in 0..<6 {
                        group.addTask {
                            (station, await Self.attempt { try await broker.patch(Self.stationID(station), attributes: ["pm25": Self.reading(Double(50 + round), at: Self.start)],
                                                                            linkContext: nil, logger: logger) })
                        }
                    }
                }
                return await group.reduce(into: [(Int, Result<NGSIBroker.Outcome, any Error>)]()) { $0.append($1) }
            }
            #expect(broker.patches.largestGroup == 24, "station 0 was not written with the others, so the fallback went untested")
            for (station, result) in results {
                switch (station, result) {
                case (0, .failure(let error)): #expect(error is Problem, "\(error)")
                case (0, .success): Issue.record("a patch over a document that does not read was stored")
                case (_, .failure(let error)): Issue.record("station \(station) failed with the broken one: \(error)")
                case (_, .success(let outcome)): #expect(outcome.updated == [Self.stationID(station)])
                }
            }
            for station in 1..<6 {
                let value = try await broker.entity(Self.stationID(station), logger: logger)?.attributes["pm25"]?.object?["value"]?.number ?? 0
                #expect((50...53).contains(value), "station \(station): \(value)")
            }
        }
    }

    static func attempt(_ body: () async throws -> NGSIBroker.Outcome) async -> Result<NGSIBroker.Outcome, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static func kind(_ result: Result<NGSIBroker.Outcome, any Error>?) -> NGSIError.Kind? {
        guard case .failure(let error) = result else { return nil }
        return (error as? NGSIError)?.kind
    }
}
