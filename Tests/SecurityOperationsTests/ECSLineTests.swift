import Platform
import SecurityOperations
import Testing

/// ECS NDJSON lines: flattened to the dotted names rules use, and refused clearly when they are not one object.
struct ECSLineTests {
    @Test func anEventIsFlattenedToDottedNames() throws {
        let line = #"{"@timestamp":"2026-12-03T01:15:02Z","event":{"category":["malware"],"type":["denied"],"action":"quarantine"},"host":{"name":"pc-ubnd-017"},"organization":{"id":"ubnd-hue"},"source.ip":"10.20.3.17","tags":["av",{"x":1},3]}"#
        let fields = try ECSLine.parse(Array(line.utf8))
        #expect(fields["event.category"] == .array([.string("malware")]) && fields["event.type"] == .array([.string("denied")]))
        #expect(fields["event.action"] == .string("quarantine") && fields["host.name"] == .string("pc-ubnd-017"))
        #expect(fields["organization.id"] == .string("ubnd-hue") && fields["source.ip"] == .string("10.20.3.17"))
        #expect(fields["tags"] == .array([.string("av"), .number(3)]) && fields["@timestamp"] == .string("2026-12-03T01:15:02Z"))
    }

    @Test func whatIsNotOneObjectIsRefused() {
        for line in [#"[1,2]"#, #""text""#, "{", #"{"a":1}{"b":2}"#, #"{"a":1,"a":2}"#, #"{"a.b":1,"a":{"b":2}}"#, "{\"a\":\"\u{0}\"}",
                     String(repeating: "{\"a\":", count: 40) + "1" + String(repeating: "}", count: 40)] {
            #expect(throws: ECSLine.Failure.self, "\(line.prefix(30))") { try ECSLine.parse(Array(line.utf8)) }
        }
        let wide = "{" + (0...ECSLine.maximumFields).map { "\"f\($0)\":1" }.joined(separator: ",") + "}"
        #expect(throws: ECSLine.Failure.self) { try ECSLine.parse(Array(wide.utf8)) }
    }
}
