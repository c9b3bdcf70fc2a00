import Foundation
import Testing

@testable import Platform

/// The strict JSON reader: what it reads equals what Foundation's decoder reads, and what JSON forbids is refused
/// with where reading stopped.
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func readsWhatFoundationReads() throws {
        for text in [#"{"a":[1,-2.5,3e2,0,-0.0,1E-7],"b":{"c":null,"d":true,"e":false},"f":"x\"y\\z\/\n\t\u00e9\ud83d\ude00","g":[]}"#,
                     "  [ {} , [ [ ] ] , \"Huế\" ]  ", "12345678901234567", "\"\"", "null",
                     #"[1.7976931348623157e308, 5e-324, 123.456e-2]"#] {
            let ours = try parse(text)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(ours == foundation, "\(text)")
        }
        #expect(throws: JSONParser.Failure.self) { try parse(#"{"dup":1,"dup":2}"#) }
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func refusesWhatJSONForbidsAndSaysWhere() {
        for text in ["", " ", "[1,]", "{\"a\":1,}", "01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity", "1e400", "tru", "nul", "[1 2]",
                     "{\"a\" 1}", "{a:1}", "\"\\u12\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\x\"", "\"a\nb\"", "\"open", "[1]]", "{}{}",
                     "\"\u{0}\"", "\"a\\u0000b\"", String(repeating: "[", count: 70) + String(repeating: "]", count: 70)] {
            #expect(throws: JSONParser.Failure.self, "\(text.prefix(20))") { try parse(text) }
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        do throws(JSONParser.Failure) {
            _ = try JSONParser.parse(Array(#"{"a": [1, 2,, 3]}"#.utf8))
            Issue.record("read a list with an empty slot")
        } catch {
            #expect(error.offset == 12 && error.description == "a value expected at byte 13")
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array("[[[[1]]]]".utf8), maximumDepth: 3) }
        #expect((try? JSONParser.parse(Array("[[[1]]]".utf8), maximumDepth: 3)) != nil)
    }

    /// What `jsonText` writes reads back as the same value.
    @Test func writtenTextReadsBack() throws {
        var random = SeededRandom(seed: 8259)
        for _ in 0..<200 {
            let value = Self.randomValue(&random, depth: 0)
            #expect(try JSONParser.parse(Array(value.jsonText.utf8)) == value)
        }
    }

    /// The exact bytes: escapes only where JSON needs them, everything else (Vietnamese, emoji, `/`) as it is.
    @Test func stringsAreEscapedOnlyWhereJSONNeeds() {
        #expect(JSONValue.quoted("a\"b\\c\nd\u{1}\u{1F}é😀/\te\r") == #""a\"b\\c\nd\u0001\u001fé😀/\te\r""#)
        #expect(JSONValue.quoted("") == #""""#)
        #expect(JSONValue.object(["b": .string("Huế"), "a": .array([.number(1), .null])]).jsonText == #"{"a":[1,null],"b":"Huế"}"#)
    }

    static func randomValue(_ random: inout SeededRandom, depth: Int) -> JSONValue {
        switch random.next() % (depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(random.next() % 2 == 0)
        case 2: return .number(Double(Int64(bitPattern: random.next()) % 1_000_000) / Double(1 + random.next() % 1000))
        case 3: return .string(String((0..<Int(random.next() % 8)).map { (_: Int) in ["a", "\"", "\\", "\n", "é", "😀", "\u{1}", "/"][Int(random.next() % 8)] }.joined()))
        case 4: return .array((0..<Int(random.next() % 4)).map { (_: Int) in randomValue(&random, depth: depth + 1) })
        default:
            return .object(Dictionary((0..<Int(random.next() % 4)).map { (_: Int) in ("k\(random.next() % 10)", randomValue(&random, depth: depth + 1)) }) { _, last in last })
        }
    }
}
