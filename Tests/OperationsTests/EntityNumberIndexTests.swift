import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Testing

@testable import Operations
@testable import Platform

/// The numeric indexes a city declares (`HUES_NGSI_NUMBER_INDEXES`): built at start, used by the database for a
/// comparison with a number, holding numbers only, and dropped once no longer declared; on SQLite and PostgreSQL.
struct EntityNumberIndexTests {
    let logger = Logger(label: "test")
    static let level = SensorNumberIndex(type: "Station", attribute: "level")!

    static func station(_ id: String, _ level: JSONValue?, relationship: Bool = false, type: String = "Station") -> JSONValue {
        var members: [String: JSONValue] = ["id": .string("urn:ngsi-ld:\(type):\(id)"), "type": .string(type)]
        if let level {
            members["level"] = relationship ? .object(["type": .string("Relationship"), "object": level])
                : .object(["type": .string("Property"), "value": level])
        }
        return .object(members)
    }

    func count(_ q: String, type: [String] = ["Station"], numbers: EntityNumberIndex, on database: PlatformDatabase) async throws -> Int? {
        var query = EntityQuery()
        query.types = type
        query.query = try NGSIQueryParser.parse(q)
        query.count = true
        query.limit = 0
        return try await query.run(on: try database.sql(logger: logger), numbers: numbers, logger: logger).count
    }

    /// What the database says it would do for the count; the plan names the index it reads.
    func plan(_ q: String, numbers: EntityNumberIndex, on database: PlatformDatabase) async throws -> String {
        let sql = try database.sql(logger: logger)
        let postgres = sql.dialect.name == "postgresql"
        let condition = NGSIQuerySQL(postgres: postgres, numbers: numbers, type: "Station").condition(try NGSIQueryParser.parse(q))
        // As `EntityQuery` asks it: the indexed comparison stands for the type (it is NULL for other types).
        let select: SQLQueryString = "SELECT COUNT(*) AS n FROM ngsi_entities WHERE " + condition
        // On the writer's connection, which made the index changes. A plan is made from the schema a connection has
        // read (EXPLAIN does not check that it is current), so SQLite reads it afresh first. Told not to read a
        // handful of rows whole, PostgreSQL shows which index it can use.
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard postgres else {
                _ = try await sql.raw("SELECT count(*) AS n FROM sqlite_master").all()
                return try await sql.raw("EXPLAIN QUERY PLAN " + select).all().map { try $0.decode(column: "detail", as: String.self) }.joined(separator: "\n")
            }
            try await sql.raw("SET LOCAL enable_seqscan = off").run()
            return try await sql.raw("EXPLAIN " + select).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: "\n")
        }
    }

    /// The value itself, bands as wide as the levels' step (every level on a band's edge), and bands of 7 (a
    /// boundary band holding matches and non-matches, and a negative level truncated towards zero).
    @Test(arguments: [nil, 0.5, 7] as [Double?])
    func aDeclaredNumberIsComparedThroughItsIndexWithTheScansAnswers(band: Double?) async throws {
        let level = try #require(SensorNumberIndex(type: "Station", attribute: "level", band: band))
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(EventLog.migrations() + OperationsModule.brokerMigrations, logger: logger)
            let numbers = EntityNumberIndex([level])
            let broker = NGSIBroker(database: database, numberIndexes: [level])
            // Levels 0, 0.5 … 19.5 and -3, and what is not a number: a boolean, a text, a relationship, a missing
            // level, and another type with a level (the index is the Station's only).
            var documents = (0..<40).map { Self.station("s\($0)", .number(Double($0) / 2)) } + [Self.station("neg", .number(-3))]
            documents += [Self.station("flag", .bool(true)), Self.station("word", .string("19")), Self.station("none", nil),
                          Self.station("link", .string("urn:ngsi-ld:Station:s1"), relationship: true), Self.station("g1", .number(18), type: "Gauge")]
            let parser = EntityParser(now: Date())
            _ = try await broker.write(try documents.map { try parser.entity($0) }, operation: .replace, logger: logger)
            let none = EntityNumberIndex()
            for (q, expected) in [("level>15", 9), ("level>=15", 10), ("level<0.5", 2), ("level<=1", 4), ("level==2", 1), ("level==1..2", 3),
                                  ("level==1,2,19", 3), ("level>0;level<1", 1), ("level==true", 1), ("level==\"19\"", 1), ("level!=2", 43),
                                  ("level<-2", 1), ("level==-3..0", 2), ("level>-3", 40), ("level==0.5..17", 34), ("level>=19.5", 1)] {
                #expect(try await count(q, numbers: numbers, on: database) == expected, "q=\(q) with the index")
                #expect(try await count(q, numbers: none, on: database) == expected, "q=\(q) scanning")
            }
            // Several types: no one index covers them, so the answer comes from the scan, and it is the same.
            #expect(try await count("level>15", type: ["Station", "Gauge"], numbers: numbers, on: database) == 10)

            try await numbers.apply(on: database, dropping: true, logger: logger)
            try await numbers.apply(on: database, dropping: false, logger: logger)
            #expect(try await EntityNumberIndex.existing(on: database.sql(logger: logger)) == [EntityNumberIndex.name(level): true])
            let name = EntityNumberIndex.name(level)
            let shown = try await plan("level>15", numbers: numbers, on: database)
            #expect(shown.contains(name), "\(shown)")
            #expect(try await plan("level==1..2", numbers: numbers, on: database).contains(name))
            #expect(try await count("level>15", numbers: numbers, on: database) == 9)
            // Written after the index: a reading moves it.
            let moved = try parser.entity(Self.station("s0", .number(30)))
            _ = try await broker.write([moved], operation: .merge(overwrite: true), logger: logger)
            #expect(try await count("level>15", numbers: numbers, on: database) == 10)

            // Many matches: counted from the index, the page found by walking the type in id order; the same pages.
            for (offset, expected) in [(0, ["s0", "s31", "s32"]), (8, ["s38", "s39"]), (9, ["s39"]), (10, []), (40, [])] {
                for few in [5, 5_000] {
                    var query = EntityQuery()
                    query.types = ["Station"]
                    query.query = try NGSIQueryParser.parse("level>15")
                    (query.limit, query.offset, query.fewMatches) = (3, offset, few)
                    for counted in [true, false] {
                        query.count = counted
                        let (page, total) = try await query.run(on: try database.sql(logger: logger), numbers: numbers, logger: logger)
                        #expect(page.map { $0.id.components(separatedBy: ":").last ?? "" } == expected && total == (counted ? 10 : nil),
                                "offset \(offset), up to \(few) through the index, count \(counted)")
                    }
                }
            }

            // No longer declared: kept by other commands, dropped when a server starts, and the answer stays.
            try await none.apply(on: database, dropping: false, logger: logger)
            #expect(try await EntityNumberIndex.existing(on: database.sql(logger: logger)).count == 1)
            try await none.apply(on: database, dropping: true, logger: logger)
            #expect(try await EntityNumberIndex.existing(on: database.sql(logger: logger)).isEmpty)
            let after = try await plan("level>15", numbers: numbers, on: database)
            #expect(!after.contains(name), "\(after)")
            #expect(try await count("level>15", numbers: numbers, on: database) == 10)
        }
    }

    /// Numbers at the ends of the doubles have bands too (PostgreSQL refuses a division that overflows or
    /// underflows, which would fail the write or the query), and the answers are the scan's.
    @Test func theEndsOfTheDoublesHaveBandsAndTheScansAnswers() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(EventLog.migrations() + OperationsModule.brokerMigrations, logger: logger)
            let level = try #require(SensorNumberIndex(type: "Station", attribute: "level", band: 0.1))
            let numbers = EntityNumberIndex([level])
            // Built first, so every write below computes its entry's band.
            try await numbers.apply(on: database, dropping: false, logger: logger)
            #expect(try await EntityNumberIndex.existing(on: database.sql(logger: logger)) == [EntityNumberIndex.name(level): true])
            let broker = NGSIBroker(database: database, numberIndexes: [level])
            let levels: [Double] = [1.5e308, -1.5e308, 5e-324, -5e-324, 0, 0.05, -0.05, 3]
            let parser = EntityParser(now: Date())
            _ = try await broker.write(try levels.enumerated().map { try parser.entity(Self.station("e\($0.offset)", .number($0.element))) },
                                       operation: .replace, logger: logger)
            for (q, expected) in [("level>1e307", 1), ("level<-1e307", 1), ("level>0", 4), ("level<0", 3), ("level==0", 1), ("level>=5e-324", 4),
                                  ("level<1.7e308", 8), ("level==-1e-320..1e-320", 3), ("level>1.7e308", 0), ("level==3,1.5e308", 2)] {
                #expect(try await count(q, numbers: numbers, on: database) == expected, "q=\(q) with the index")
                #expect(try await count(q, numbers: EntityNumberIndex(), on: database) == expected, "q=\(q) scanning")
            }
        }
    }

    @Test func theSettingNamesTypeAndAttributePairs() {
        let (read, problems) = SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": "AirQualityObserved=pm25, WaterLevelObserved=waterLevel,AirQualityObserved=pm25"])
        #expect(problems.isEmpty && read.map(\.description) == ["AirQualityObserved=pm25", "WaterLevelObserved=waterLevel"])
        for bad in ["pm25", "AirQualityObserved=", "=pm25", "A=pm 25", "A=pm25'", "A=b=c", "A=\"b\"", "A=pm2.5"] {
            let (_, problems) = SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": bad])
            #expect(problems.count == 1 && problems[0].key == "HUES_NGSI_NUMBER_INDEXES", "\(bad)")
        }
        let (banded, none) = SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": "AirQualityObserved=pm25~10,WaterLevelObserved=waterLevel~0.05"])
        #expect(none.isEmpty && banded.map(\.description) == ["AirQualityObserved=pm25~10", "WaterLevelObserved=waterLevel~0.05"])
        #expect(banded.map(\.band) == [10, 0.05])
        for bad in ["A=pm25~0", "A=pm25~nan", "A=pm25~inf", "A=pm25~-1", "A=pm25~", "A=pm25~1e12", "A=pm25~0x10", "A=pm25~1~2"] {
            #expect(SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": bad]).1.count == 1, "\(bad)")
        }
        #expect(SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": "A=b~1,A=b"]).1.count == 1)
        #expect(SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": "A=b ~ 2.5"]).0.map(\.description) == ["A=b~2.5"])
        let many = (0...SensorNumberIndex.maximumDeclared).map { "T=a\($0)" }.joined(separator: ",")
        #expect(SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": many]).1.count == 1)
        // Unset: the quantities the centre's rules and screens count, in bands; `none`: no index at all.
        #expect(SensorNumberIndex.read([:]).0.map(\.description)
                == ["AirQualityObserved=pm25~10", "TrafficFlowObserved=intensity~10", "WaterLevelObserved=waterLevel~0.1"])
        #expect(SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": "none"]) .0.isEmpty)
    }
}
