import Foundation
import Platform
import SecurityOperations
import Testing

/// The engine's own reader of ECS lines: it must see every event as ingest's reading (ECSLine, then the rules'
/// fields picked out) does, and refuse the same lines.
struct ECSEventReaderTests {
    static let shippedRules: SigmaRuleSet? = {
        guard let folder = BundledRules.folder, let rules = try? SigmaRuleLoader.loadFolders([folder]) else { return nil }
        return SigmaRuleSet(rules)
    }()

    /// What ingest's way makes of the line: nil when refused (ECSLine, or names differing only in case).
    func ingestMatches(_ line: [UInt8], _ rules: SigmaRuleSet) -> [Int]? {
        // As ingest compares them: ASCII-folded, as Swift strings (canonically equivalent names are one name).
        func folded(_ name: String) -> String { String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self) }
        guard let fields = try? ECSLine.parse(line), Set(fields.keys.map(folded)).count == fields.count else { return nil }
        return rules.matches(rules.prepare(fields))
    }

    @Test func everyCorpusEventMatchesTheSameRulesAsIngestsReading() throws {
        let rules = try #require(Self.shippedRules)
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("interop/data/sigma-events.ndjson")
        let lines = try Data(contentsOf: corpus).split(separator: UInt8(ascii: "\n")).map { Array($0) }
        #expect(lines.count > 1_000)
        var reader = rules.lineReader()
        var matched = 0
        for line in lines {
            let direct = try reader.read(line)
            let expected = try #require(ingestMatches(line, rules))
            #expect(rules.matches(direct) == expected, "\(String(decoding: line.prefix(120), as: UTF8.self))")
            matched += expected.count
        }
        #expect(matched > 100)
    }

    @Test func nestedNamesEscapesListsAndNumbersReadAsIngestReadsThem() throws {
        let rule = """
            title: T
            id: r1
            level: high
            detection:
                selection:
                    event.category: malware
                    Image|endswith: '\\mimikatz.exe'
                    related.ip: 10.0.0.9
                    EventID: 4688
                condition: selection
            """
        let rules = SigmaRuleSet([try SigmaRuleLoader.load(Array(rule.utf8), file: "t.yml")])
        let hit = #"{"event":{"category":["file","MALWARE"]},"Im\u0061ge":"C:\\Tools\\MIMIKATZ.EXE","related":{"ip":["10.0.0.1","10.0.0.9"]},"EventID":"04688","tags":[{"x":1},[2]]}"#
        let miss = #"{"event":{"category":"malware"},"Image":"C:\\Tools\\mimikatz.exe.txt","related.ip":"10.0.0.9","EventID":4688}"#
        // An empty name adds no dot, as ingest flattens it; a name outside ASCII sends the line the whole way.
        let unnamed = #"{"":{"event":{"category":"malware"},"Image":"C:\\mimikatz.exe"},"related.ip":"10.0.0.9","EventID":4688}"#
        let vietnamese = #"{"Tên máy":"PC-01","event.category":"malware","Image":"C:\\mimikatz.exe","related.ip":"10.0.0.9","EventID":4688}"#
        for (line, expected) in [(hit, [0]), (miss, []), (unnamed, [0]), (vietnamese, [0])] {
            let bytes = Array(line.utf8)
            #expect(rules.matches(try rules.prepare(line: bytes)) == expected)
            #expect(ingestMatches(bytes, rules) == expected)
        }
    }

    @Test func theSameLinesAreRefusedAsIngestRefuses() throws {
        let rules = try #require(Self.shippedRules)
        let deep = String(repeating: "{\"a\":", count: 17) + "1" + String(repeating: "}", count: 17)
        let wide = "{" + (0...ECSLine.maximumFields).map { "\"f\($0)\":1" }.joined(separator: ",") + "}"
        var refused = [#"[1,2]"#, #""text""#, "{", #"{"a":1}{"b":2}"#, #"{"a":1,"a":2}"#, #"{"a.b":1,"a":{"b":2}}"#,
                       #"{"a":{},"a":1}"#, #"{"a":{"b":1},"a":{"c":1}}"#, #"{"Image":1,"IMAGE":2}"#, "{\"a\":\"\u{0}\"}",
                       #"{"a":"\u0000"}"#, #"{"a":"\ud800"}"#, #"{"a":01}"#, #"{"a":tru}"#, #"{"a":[1,]}"#, #"{"a" 1}"#,
                       #"{"a":1,}"#, #"{"a":"\x"}"#, #"{"a":1e999}"#, #"{"":{"a":1},"a":2}"#, #"{"":{"A":1},"a":2}"#,
                       "{\"\u{E9}\":1,\"e\u{301}\":2}", "{\"x\":{\"\u{E9}\":1},\"x.e\u{301}\":2}", deep, wide].map { Array($0.utf8) }
        refused.append([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D])  // {"a":"\xC3("} is not UTF-8
        refused.append(Array(repeating: 0x20, count: ECSLine.maximumBytes + 1))
        for line in refused {
            #expect(ingestMatches(line, rules) == nil, "ingest should refuse \(String(decoding: line.prefix(40), as: UTF8.self))")
            #expect(throws: ECSLine.Failure.self, "\(String(decoding: line.prefix(40), as: UTF8.self))") { try rules.prepare(line: line) }
        }
        let accepted = [#"{"a":{},"b":[],"c":null," d":[{"x":{"y":1}}],"A.b":{"c":true}}"#, #" {"é":"ü","É":1} "#,
                        String(repeating: "{\"a\":", count: 16) + "1" + String(repeating: "}", count: 16)]
        for line in accepted.map({ Array($0.utf8) }) {
            #expect(ingestMatches(line, rules) != nil)
            _ = try rules.prepare(line: line)
        }
    }
}
