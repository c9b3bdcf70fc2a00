import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Testing

@testable import Operations
@testable import Platform

/// The broker's writes and reads on a real database: batch semantics, per-reading refusals, readings and their
/// history, and the roll-up that ages readings without changing what they add up to.
struct SensorBrokerTests {
    let logger = Logger(label: "test")
    static let start = NGSITime.parse("2026-12-01T00:00:00Z")!

    func migrated(_ database: PlatformDatabase) async throws {
        try await database.migrate(EventLog.migrations() + OperationsModule.brokerMigrations, logger: logger)
    }

    static func station(_ id: Int, pm25: JSONValue, at: String, extra: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string("urn:ngsi-ld:AirQualityObserved:hue-\(id)"), "type": .string("AirQualityObserved"),
            "pm25": .object(["type": .string("Property"), "value": pm25, "observedAt": .string(at), "unitCode": .string("GQ")]),
            "location": .object(["type": .string("GeoProperty"), "value": .object(["type": .string("Point"), "coordinates": .array([.number(107.59), .number(16.46)])])]),
        ]
        members.merge(extra) { _, new in new }
        return .object(members)
    }

    @Test func aBatchStoresWhatItCanAndListsEachRefusedReading() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            let clock = TestClock(Self.start.addingTimeInterval(3600))
            let broker = NGSIBroker(database: database, clock: clock.reading)
            let parser = EntityParser(now: clock.now)
            let documents = [Self.station(1, pm25: .number(12.5), at: "2026-12-01T00:30:00Z"),
                             Self.station(2, pm25: .string("high"), at: "2026-12-01T00:30:00Z", extra: ["temperature": .number(24)]),
                             Self.station(3, pm25: .number(40), at: "2026-12-03T00:00:00Z")]
            let parsed = try documents.map { try parser.entity($0) }
            #expect(parsed[1].refused.map(\.attribute) == ["pm25"] && parsed[2].refused.map(\.attribute) == ["pm25"])
            let outcome = try await broker.write(parsed, operation: .replace, logger: logger)
            #expect(outcome.created.sorted() == (1...3).map { "urn:ngsi-ld:AirQualityObserved:hue-\($0)" })
            #expect(outcome.errors.map(\.entityID) == ["urn:ngsi-ld:AirQualityObserved:hue-2", "urn:ngsi-ld:AirQualityObserved:hue-3"])
            #expect(outcome.errors.allSatisfy { $0.error.kind == .badRequestData })
            // The station with words for PM2.5 keeps its temperature (a number, stored as a reading too).
            let second = try #require(try await broker.entity("urn:ngsi-ld:AirQualityObserved:hue-2", logger: logger))
            #expect(second.attributes["pm25"] == nil && second.attributes["temperature"]?.object?["value"] == .number(24))
            let history = try await broker.history(of: "urn:ngsi-ld:AirQualityObserved:hue-2", query: TemporalQuery(), withContext: false, logger: logger)
            #expect(history?.object?["temperature"]?.array?.count == 1)
            var prefixed = EntityQuery()
            prefixed.count = true
            #expect(throws: NGSIError.self) { try EntityQuery.prefix(of: "urn:ngsi-ld:AirQualityObserved:hue-[0-9]*") }
            prefixed.idPrefix = try EntityQuery.prefix(of: "urn:ngsi-ld:AirQualityObserved:hue-.*")
            #expect(try await prefixed.run(on: try database.sql(logger: logger), logger: logger).count == 3)
            prefixed.idPrefix = "urn:ngsi-ld:AirQualityObserved:hue-2"
            #expect(try await prefixed.run(on: try database.sql(logger: logger), logger: logger).entities.map(\.id) == ["urn:ngsi-ld:AirQualityObserved:hue-2"])
            // Creating an existing one is refused; merging keeps the stored attributes it does not name.
            let again = try await broker.write([parsed[0]], operation: .create, logger: logger)
            #expect(again.errors.first?.error.kind == .alreadyExists)
            let update = try parser.entity(.object(["id": .string("urn:ngsi-ld:AirQualityObserved:hue-1"), "type": .string("AirQualityObserved"), "no2": .number(31)]))
            _ = try await broker.write([update], operation: .merge(overwrite: true), logger: logger)
            let merged = try #require(try await broker.entity("urn:ngsi-ld:AirQualityObserved:hue-1", logger: logger))
            #expect(Set(merged.attributes.keys) == ["pm25", "location", "no2"])
            _ = try await broker.write([update], operation: .replace, logger: logger)
            #expect(Set(try #require(try await broker.entity("urn:ngsi-ld:AirQualityObserved:hue-1", logger: logger)).attributes.keys) == ["no2"])
            // Replacing with a refused reading keeps the stored one (the station's clock ran ahead, its last good PM2.5 stays).
            let ahead = try parser.entity(Self.station(3, pm25: .number(99), at: "2026-12-05T00:00:00Z", extra: ["pm10": .number(20)]))
            _ = try await broker.write([try parser.entity(Self.station(4, pm25: .number(21), at: "2026-12-01T00:10:00Z"))], operation: .replace, logger: logger)
            let laterAhead = try parser.entity(Self.station(4, pm25: .number(99), at: "2026-12-05T00:00:00Z"))
            #expect(ahead.refused.count == 1)
            _ = try await broker.write([laterAhead], operation: .replace, logger: logger)
            #expect(try await broker.entity("urn:ngsi-ld:AirQualityObserved:hue-4", logger: logger)?.attributes["pm25"]?.object?["value"] == .number(21))
            let missing = try parser.entity(.object(["id": .string("urn:ngsi-ld:AirQualityObserved:nowhere"), "type": .string("AirQualityObserved")]))
            #expect(try await broker.write([missing], operation: .update(overwrite: true), logger: logger).errors.first?.error.kind == .resourceNotFound)
        }
    }

    /// A replacing batch's documents are encoded before the transaction; an entity named twice, the second time
    /// with a refused reading, must be stored as the plan merged it, not as either form sent.
    @Test func aBatchNamingAnEntityTwiceStoresWhatThePlanMerged() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            let broker = NGSIBroker(database: database)
            let parser = EntityParser(now: Self.start.addingTimeInterval(3600))
            let first = try parser.entity(Self.station(5, pm25: .number(14), at: "2026-12-01T00:10:00Z", extra: ["no2": .number(5)]))
            let second = try parser.entity(Self.station(5, pm25: .string("high"), at: "2026-12-01T00:20:00Z", extra: ["no2": .number(9)]))
            let third = try parser.entity(Self.station(6, pm25: .number(30), at: "2026-12-01T00:20:00Z"))
            _ = try await broker.write([first, second, third], operation: .replace, logger: logger)
            let stored = try #require(try await broker.entity("urn:ngsi-ld:AirQualityObserved:hue-5", logger: logger))
            #expect(stored.attributes["pm25"]?.object?["value"] == .number(14) && stored.attributes["no2"]?.object?["value"] == .number(9), "\(stored.attributes)")
            #expect(try await broker.entity("urn:ngsi-ld:AirQualityObserved:hue-6", logger: logger)?.attributes["pm25"]?.object?["value"] == .number(30))
            // Created twice in one batch: the first stands, as when written alone.
            let again = try parser.entity(Self.station(7, pm25: .number(1), at: "2026-12-01T00:10:00Z"))
            let twice = try parser.entity(Self.station(7, pm25: .number(2), at: "2026-12-01T00:10:00Z"))
            #expect(try await broker.write([again, twice], operation: .create, logger: logger).errors.map(\.error.kind) == [.alreadyExists])
            #expect(try await broker.entity("urn:ngsi-ld:AirQualityObserved:hue-7", logger: logger)?.attributes["pm25"]?.object?["value"] == .number(1))
        }
    }

    /// A stored document that no longer reads is left out of answers (with a log line) and is never merged into as if
    /// absent; a replacement, which needs nothing of it, still lands.
    @Test func aStoredEntityThatDoesNotReadIsNeitherShownNorMergedInto() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            let broker = NGSIBroker(database: database)
            let parser = EntityParser(now: Self.start.addingTimeInterval(3600))
            let station = try parser.entity(Self.station(9, pm25: .number(12), at: "2026-12-01T00:30:00Z"))
            _ = try await broker.write([station], operation: .replace, logger: logger)
            let sql = try database.sql(logger: logger)
            let broken: SQLQueryString = sql.dialect.name == "postgresql" ? "CAST('{\"no\":\"type\"}' AS JSONB)" : "'{\"no\":\"type\"}'"
            try await sql.raw("UPDATE ngsi_entities SET body = " + broken).run()
            #expect(try await broker.entity(station.entity.id, logger: logger) == nil)
            if sql.dialect.name != "postgresql" {
                // SQLite keeps documents as JSONB: bytes that are not JSONB are skipped the same way, not a failed query.
                _ = try await broker.write([try parser.entity(Self.station(10, pm25: .number(3), at: "2026-12-01T00:30:00Z"))], operation: .replace, logger: logger)
                try await sql.raw("UPDATE ngsi_entities SET body = x'ff00ff' WHERE id = \(bind: "urn:ngsi-ld:AirQualityObserved:hue-10")").run()
                #expect(try await broker.entity("urn:ngsi-ld:AirQualityObserved:hue-10", logger: logger) == nil)
                let listed = try await EntityQuery(parameters: ["type": "AirQualityObserved"]).run(on: sql, logger: logger).entities
                #expect(listed.isEmpty)
                // The migrations run again over such rows without stopping (a start after a half-done one).
                let db = try database.db(logger: logger)
                try await StoreEntitiesAsJSONB().prepare(on: db)
                try await IndexEntityTexts().prepare(on: db)
                // And it can still be deleted: the check reads its type column, not its document.
                #expect(try await broker.delete(["urn:ngsi-ld:AirQualityObserved:hue-10"], logger: logger).deleted == ["urn:ngsi-ld:AirQualityObserved:hue-10"])
            }
            await #expect(throws: Problem.self) { try await broker.write([station], operation: .merge(overwrite: true), logger: logger) }
            _ = try await broker.write([station], operation: .replace, logger: logger)
            #expect(try await broker.entity(station.entity.id, logger: logger)?.attributes["pm25"] != nil)
        }
    }

    @Test func theHistoryAnswersWindowsLastNAndPeriodsAndSurvivesTheRollUp() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            let clock = TestClock(Self.start.addingTimeInterval(2 * 86_400))
            let broker = NGSIBroker(database: database, clock: clock.reading)
            // A gauge read every ten minutes for two days: the level rises 1 cm a reading.
            let id = "urn:ngsi-ld:WaterLevelObserved:kim-long"
            for batch in stride(from: 0, to: 288, by: 48) {
                let parsed = try (batch..<(batch + 48)).map { index in
                    try EntityParser(now: clock.now).entity(.object([
                        "id": .string(id), "type": .string("WaterLevelObserved"),
                        "waterLevel": .object(["type": .string("Property"), "value": .number(Double(index) / 100),
                                               "observedAt": .string(NGSITime.format(Self.start.addingTimeInterval(Double(index) * 600)))]),
                    ]))
                }
                _ = try await broker.write(parsed, operation: .merge(overwrite: true), logger: logger)
            }
            var query = try TemporalQuery(parameters: ["timerel": "between", "timeAt": "2026-12-01T01:00:00Z", "endTimeAt": "2026-12-01T02:00:00Z"])
            let window = try #require(try await broker.history(of: id, query: query, withContext: true, logger: logger)?.object)
            #expect(window["waterLevel"]?.array?.compactMap { $0.object?["value"]?.number } == [0.06, 0.07, 0.08, 0.09, 0.1, 0.11])
            #expect(window["@context"] == .string(NGSIContext.core))
            query = try TemporalQuery(parameters: ["lastN": "3", "options": "temporalValues"])
            let last = try #require(try await broker.history(of: id, query: query, withContext: false, logger: logger)?.object?["waterLevel"]?.object?["values"]?.array)
            #expect(last.compactMap { $0.array?.first?.number } == [2.85, 2.86, 2.87])
            #expect(last.last?.array?.last == .string("2026-12-02T23:50:00.000Z"))
            let daily = try TemporalQuery(parameters: ["timerel": "after", "timeAt": "2026-12-01T00:00:00Z", "aggrMethods": "avg,max,totalCount",
                                                       "aggrPeriodDuration": "P1D"])
            func days() async throws -> JSONValue? { try await broker.history(of: id, query: daily, withContext: false, logger: logger)?.object?["waterLevel"] }
            let before = try await days()
            // Day one: readings 0…143, average 0.715 m, highest 1.43 m; day two 144…287.
            #expect(before?.object?["avg"]?.array?.compactMap { $0.array?.first?.number }.map { ($0 * 1000).rounded() / 1000 } == [0.715, 2.155])
            #expect(before?.object?["totalCount"]?.array?.compactMap { $0.array?.first?.number } == [144, 144])
            #expect(before?.object?["max"]?.array?.first?.array == [.number(1.43), .string("2026-12-01T00:00:00.000Z"), .string("2026-12-02T00:00:00.000Z")])
            // With readings kept one day, the first day becomes hourly figures and its readings go; the second stays.
            let retention = SensorRetention(database: database, rawDays: 1, hourlyDays: 30, clock: clock.reading)
            #expect(try await retention.sweep(logger: logger) == 144)
            #expect(try await retention.sweep(logger: logger) == 0)
            let after = try await days()
            for method in ["totalCount", "max"] { #expect(after?.object?[method] == before?.object?[method]) }
            #expect(after?.object?["avg"]?.array?.compactMap { $0.array?.first?.number }.map { ($0 * 1000).rounded() / 1000 } == [0.715, 2.155])
            let raw = try await broker.history(of: id, query: TemporalQuery(), withContext: false, logger: logger)
            #expect(raw?.object?["waterLevel"]?.array?.count == 144)
        }
    }

    @Test func windowsOfTooManyValuesAndBadParametersAreRefused() throws {
        for parameters in [["timerel": "during", "timeAt": "2026-12-01T00:00:00Z"], ["timerel": "after"], ["timeAt": "2026-12-01T00:00:00Z"],
                           ["timerel": "between", "timeAt": "2026-12-02T00:00:00Z", "endTimeAt": "2026-12-01T00:00:00Z"],
                           ["lastN": "0"], ["lastN": "99999999999999999999"], ["aggrMethods": "median", "aggrPeriodDuration": "PT1H"],
                           ["aggrMethods": "avg", "aggrPeriodDuration": "PT1S"], ["aggrMethods": "avg", "aggrPeriodDuration": "P1Y"],
                           ["aggrMethods": "avg"], ["attrs": "a b"]] {
            #expect(throws: NGSIError.self, "\(parameters)") { try TemporalQuery(parameters: parameters) }
        }
        #expect(TemporalQuery.duration("PT1H30M") == 5_400_000 && TemporalQuery.duration("P1DT1S") == 86_401_000)
        #expect(TemporalQuery.duration("P") == nil && TemporalQuery.duration("PT") == nil && TemporalQuery.duration("P1H") == nil)
        #expect(TemporalQuery.duration("PT9999999H") == nil)
    }

    @Test func instantsReadAsISO8601AndNothingElse() {
        #expect(NGSITime.parse("2026-12-01T07:30:00+07:00") == NGSITime.parse("2026-12-01T00:30:00Z"))
        #expect(NGSITime.parse("2026-12-01T00:30:00.250Z")?.timeIntervalSince1970 == NGSITime.parse("2026-12-01T00:30:00Z")!.timeIntervalSince1970 + 0.25)
        for bad in ["2026-02-30T00:00:00Z", "2026-12-01 00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T00:00:00", "2026-12-01T00:00:00+7:00",
                    "1969-12-31T23:59:59Z", "2026-12-01T00:00:00.Z", "٢٠٢٦-12-01T00:00:00Z", ""] {
            #expect(NGSITime.parse(bad) == nil, "\(bad)")
        }
        #expect(NGSITime.format(NGSITime.parse("2028-02-29T23:59:59.999Z")!) == "2028-02-29T23:59:59.999Z")
    }

    @Test func entitiesThatAreNotEntitiesAreRefusedWhole() throws {
        let parser = EntityParser(now: Self.start)
        for document in [#"{"type":"T"}"#, #"{"id":"not a uri","type":"T"}"#, #"{"id":"urn:x:1","type":["A","B"]}"#, #"{"id":"urn:x:1","type":"T","a":{"value":1}}"#,
                         #"{"id":"urn:x:1","type":"T","a":{"type":"Property"}}"#, #"{"id":"urn:x:1","type":"T","a":{"type":"Relationship","object":"x y"}}"#,
                         #"{"id":"urn:x:1","type":"T","location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[200,10]}}}"#,
                         #"{"id":"urn:x:1","type":"T","a b":1}"#, #"{"id":"urn:x:1","type":"T","a":{"type":"Property","value":1,"datasetId":"urn:d:1"}}"#,
                         #"{"id":"urn:x:1","type":"T","a":{"type":"Property","value":1,"extra":2}}"#, #"[1]"#,
                         #"{"id":"urn:ngsi-ld:Alert:1","type":"Alert","severity":"critical"}"#] {
            #expect(throws: NGSIError.self, "\(document)") { try parser.entity(try NGSIDocument.decode(Data(document.utf8))) }
        }
        // The concise form is a Property; sub-attributes are kept; system attributes sent back are dropped.
        let concise = try parser.entity(try NGSIDocument.decode(Data(#"{"id":"urn:x:1","type":"T","a":3,"createdAt":"x","b":{"type":"Property","value":"v","accuracy":{"type":"Property","value":0.5}}}"#.utf8)))
        #expect(concise.entity.attributes["a"] == .object(["type": .string("Property"), "value": .number(3)]))
        #expect(concise.entity.attributes["b"]?.object?["accuracy"]?.object?["value"] == .number(0.5))
        #expect(concise.entity.attributes["createdAt"] == nil)
        #expect(throws: NGSIError.self) { try NGSIDocument.decode(Data((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8)) }
    }
}
