import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Testing

@testable import Operations
@testable import Platform

/// The `q` language: what it reads, what it refuses (with ETSI's error types), and that its SQL translation selects
/// exactly the entities the in-memory evaluator does, on SQLite and on PostgreSQL.
struct QueryLanguageTests {
    let logger = Logger(label: "test")

    @Test func readsTermsOperatorsListsRangesAndPrecedence() throws {
        let query = try NGSIQueryParser.parse(#"pm25>35;status=="alert"|waterLevel==1.5..3|name.unit[code]!=true"#)
        guard case .any(let parts) = query, parts.count == 3, case .all(let left) = parts[0], left.count == 2 else {
            Issue.record("expected (a;b)|c|d, got \(query)")
            return
        }
        #expect(parts[1] == .term(.init(path: .init(attribute: "waterLevel", subAttributes: [], keys: []), comparison: .equal, operand: .range(.number(1.5), .number(3)))))
        #expect(parts[2] == .term(.init(path: .init(attribute: "name", subAttributes: ["unit"], keys: ["code"]), comparison: .unequal, operand: .one(.bool(true)))))
        #expect(left[0] == .term(.init(path: .init(attribute: "pm25", subAttributes: [], keys: []), comparison: .greater, operand: .one(.number(35)))))
        #expect(left[1] == .term(.init(path: .init(attribute: "status", subAttributes: [], keys: []), comparison: .equal, operand: .one(.text("alert")))))
        // A list may not follow a range.
        #expect(throws: NGSIError.self) { try NGSIQueryParser.parse("a==1..3,4") }
        let list = try NGSIQueryParser.parse(#"category=="flood","rain";level"#)
        #expect(list == .all([.term(.init(path: .init(attribute: "category", subAttributes: [], keys: []), comparison: .equal, operand: .list([.text("flood"), .text("rain")]))),
                              .term(.init(path: .init(attribute: "level", subAttributes: [], keys: []), comparison: .exists, operand: nil))]))
        let nested = try NGSIQueryParser.parse("(a>1|b<2);c.d[e]>=2026-12-01T00:00:00Z")
        #expect(nested.attributes == ["a", "b", "c"])
    }

    @Test func refusesWhatItCannotReadWithTheETSIType() {
        for (text, kind) in [("", NGSIError.Kind.invalidRequest), ("a==", .invalidRequest), ("a===1", .invalidRequest), ("(a>1", .invalidRequest),
                             ("a>1)", .invalidRequest), ("a~=\"x.*\"", .operationNotSupported), ("a!~=\"x\"", .operationNotSupported),
                             ("a==\"open", .invalidRequest), ("a==1e999", .invalidRequest), ("a b", .invalidRequest),
                             (String(repeating: "(", count: 9) + "a" + String(repeating: ")", count: 9), .tooComplexQuery),
                             (Array(repeating: "a==1", count: 33).joined(separator: ";"), .tooComplexQuery),
                             (String(repeating: "x", count: 3000), .tooComplexQuery)] {
            do {
                _ = try NGSIQueryParser.parse(text)
                Issue.record("'\(text.prefix(40))' was read")
            } catch {
                #expect(error.kind == kind, "'\(text.prefix(40))': \(error)")
            }
        }
    }

    /// Random entities and random queries: the SQL over stored documents and the evaluator agree on every one.
    @Test func theSQLTranslationSelectsExactlyWhatTheEvaluatorMatches() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(EventLog.migrations() + OperationsModule.brokerMigrations, logger: logger)
            var random = SeededRandom(seed: 766)
            let entities = (0..<300).map { Self.entity($0, random: &random) }
            // Numbers, texts, booleans and relationships under declared numeric indexes, of values and of bands:
            // answers must not change.
            let bands: [String: Double] = ["level": 3, "info": 0.25]
            let numbers = EntityNumberIndex(["level", "status", "online", "near", "info"].compactMap {
                SensorNumberIndex(type: "Station", attribute: $0, band: bands[$0])
            })
            try await numbers.apply(on: database, dropping: false, logger: logger)
            let broker = NGSIBroker(database: database)
            let parsed = try entities.map { try EntityParser(now: Date()).entity($0.body) }
            _ = try await broker.write(parsed, operation: .replace, logger: logger)
            let sql = try database.sql(logger: logger)
            try await Self.agree(150, entities, &random, on: sql, numbers: numbers)
            // Changed, merged into and deleted: the index of texts follows (SQLite), and the answers still agree.
            var current = Dictionary(uniqueKeysWithValues: entities.map { ($0.id, $0) })
            let changed = (0..<300).filter { $0 % 3 == 0 }.map { Self.entity($0, random: &random) }
            _ = try await broker.write(try changed.map { try EntityParser(now: Date()).entity($0.body) }, operation: .replace, logger: logger)
            for entity in changed { current[entity.id] = entity }
            let status = NGSIEntity(id: "urn:ngsi-ld:Station:1", type: "Station", attributes: ["status": .object(["type": .string("Property"), "value": .string("alert")])])
            _ = try await broker.write([try EntityParser(now: Date()).entity(status.body)], operation: .merge(overwrite: true), logger: logger)
            current[status.id]?.attributes["status"] = status.attributes["status"]
            let gone = (0..<300).filter { $0 % 7 == 0 }.map { "urn:ngsi-ld:Station:\($0)" }
            _ = try await broker.delete(gone, logger: logger)
            for id in gone { current[id] = nil }
            try await Self.agree(100, Array(current.values), &random, on: sql, numbers: numbers)
            guard sql.dialect.name != "postgresql" else { return }
            // Entities stored before the index are indexed by the migration's SQL exactly as writes index them.
            let written = try await Self.textRows(sql)
            #expect(written.count > 100)
            try await sql.raw("UPDATE ngsi_entities SET texts = NULL").run()
            #expect(try await Self.textRows(sql).isEmpty)
            try await sql.raw(SQLQueryString("UPDATE ngsi_entities SET texts = nullif(" + EntityTextIndex.textsFromBody + ", '[]')")).run()
            #expect(try await Self.textRows(sql) == written)
        }
    }

    static func agree(_ count: Int, _ entities: [NGSIEntity], _ random: inout SeededRandom, on sql: any SQLDatabase,
                      numbers: EntityNumberIndex) async throws {
        for _ in 0..<count {
            let text = Self.query(random: &random, depth: 0)
            let query = try NGSIQueryParser.parse(text)
            var selection = EntityQuery()
            selection.types = ["Station"]
            selection.query = query
            selection.limit = 1000
            let selected = try await selection.run(on: sql, logger: Logger(label: "test")).entities.map(\.id)
            let expected = entities.filter { query.matches($0) }.map(\.id).sorted()
            #expect(selected.sorted() == expected, "q=\(text)")
            var counting = selection
            counting.count = true
            let (indexed, counted) = try await counting.run(on: sql, numbers: numbers, logger: Logger(label: "test"))
            #expect(indexed.map(\.id).sorted() == expected && counted == expected.count, "q=\(text) with numeric indexes")
        }
    }

    static func textRows(_ sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT attribute, value, entity_id FROM ngsi_text_values ORDER BY entity_id, attribute").all().map {
            try "\($0.decode(column: "entity_id", as: String.self)) \($0.decode(column: "attribute", as: String.self))=\($0.decode(column: "value", as: String.self))"
        }
    }

    static func entity(_ index: Int, random: inout SeededRandom) -> NGSIEntity {
        var attributes: [String: JSONValue] = [:]
        let words = ["alert", "normal", "Alert", "ngập", "b", ""]
        if random.next() % 4 != 0 { attributes["level"] = .object(["type": .string("Property"), "value": .number(Double(random.next() % 50) / 2 - 5)]) }
        if random.next() % 3 != 0 { attributes["status"] = .object(["type": .string("Property"), "value": .string(words[Int(random.next() % 6)])]) }
        if random.next() % 3 == 0 { attributes["status"] = .object(["type": .string("Property"), "value": .number(Double(random.next() % 3))]) }
        if random.next() % 2 == 0 { attributes["online"] = .object(["type": .string("Property"), "value": .bool(random.next() % 2 == 0)]) }
        if random.next() % 2 == 0 {
            attributes["info"] = .object(["type": .string("Property"), "value": .object(["code": .string(words[Int(random.next() % 6)]), "n": .number(Double(random.next() % 5))]),
                                          "quality": .object(["type": .string("Property"), "value": .number(Double(random.next() % 10))])])
        }
        if random.next() % 3 == 0 { attributes["near"] = .object(["type": .string("Relationship"), "object": .string("urn:ngsi-ld:Station:\(random.next() % 4)")]) }
        return NGSIEntity(id: "urn:ngsi-ld:Station:\(index)", type: "Station", attributes: attributes)
    }

    static func query(random: inout SeededRandom, depth: Int) -> String {
        let count = 1 + Int(random.next() % 3)
        let joiner = random.next() % 2 == 0 ? ";" : "|"
        return (0..<count).map { _ in
            if depth < 2, random.next() % 5 == 0 { return "(" + query(random: &random, depth: depth + 1) + ")" }
            let paths = ["level", "status", "online", "info[code]", "info[n]", "info.quality", "near", "missing"]
            let values = ["3", "-2.5", "10", "\"alert\"", "\"Alert\"", "\"ngập\"", "\"\"", "true", "false", "urn:ngsi-ld:Station:1", "0..5", "\"a\"..\"o\"",
                          "1,2,\"b\""]
            let path = paths[Int(random.next() % UInt64(paths.count))]
            let operators = ["", "==", "!=", ">", ">=", "<", "<="]
            let op = operators[Int(random.next() % UInt64(operators.count))]
            guard !op.isEmpty else { return path }
            var value = values[Int(random.next() % UInt64(values.count))]
            if ![ "==", "!=" ].contains(op), value.contains("..") || value.contains(",") { value = "4" }
            return path + op + value
        }.joined(separator: joiner)
    }
}
