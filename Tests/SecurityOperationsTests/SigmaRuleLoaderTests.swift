import Foundation
import SecurityOperations
import Testing

/// The shipped rules load unchanged; what is outside the subset or not YAML is refused with the file and line.
struct SigmaRuleLoaderTests {
    func load(_ text: String) throws(SigmaRuleError) -> SigmaRule {
        try SigmaRuleLoader.load(Array(text.utf8), file: "test.yml")
    }

    func refusal(_ text: String) -> SigmaRuleError? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error
        }
    }

    func rule(_ detection: String, level: String = "high") -> String {
        "title: T\nid: 11111111-2222-3333-4444-555555555555\nlevel: \(level)\nlogsource:\n    product: windows\ndetection:\n\(detection)"
    }

    @Test func everyShippedRuleLoads() throws {
        let folder = try #require(BundledRules.folder)
        let rules = try SigmaRuleLoader.loadFolders([folder])
        // The 53 acceptance rules and the platform's own failed sign-in (counted by its brute-force correlation).
        #expect(rules.count == 54)
        #expect(Set(rules.map(\.id)).count == 54)
        let all = try SigmaRuleLoader.loadAll([folder])
        #expect(all.correlations.map(\.id) == ["0b7d51a2-6f44-4d1e-8c2a-3e9f5a6b7c80"])
        #expect(try SigmaRuleSet(all).quiet.count == 1)
        let mimikatz = try #require(rules.first { $0.id == "a642964e-bead-4bed-8910-1bb4d63e3b4d" })
        #expect(mimikatz.level == .high && mimikatz.tags.contains("attack.credential-access"))
        #expect(mimikatz.author?.isEmpty == false && mimikatz.file.hasSuffix("proc_creation_win_hktl_mimikatz_command_line.yml"))
        // The same rule twice (a folder and its subfolder) is refused, naming both files.
        #expect(throws: SigmaRuleError.self) { try SigmaRuleLoader.loadFolders([folder, folder.appendingPathComponent("local")]) }
    }

    /// Correlations count rules by name: two rules answering to one name would count for each other.
    @Test func twoRulesWithOneNameAreRefused() throws {
        func named(_ id: String) -> String {
            "title: T\nid: \(id)\nname: failed_logon\nlevel: low\nlogsource:\n    product: windows\ndetection:\n    selection:\n        EventID: 4625\n    condition: selection\n"
        }
        let file = try SigmaRuleLoader.loadFile(Array((named("11111111-0000-0000-0000-000000000001") + "---\n" + named("11111111-0000-0000-0000-000000000002")).utf8),
                                                file: "twins.yml")
        #expect(file.rules.count == 2)
        #expect(throws: SigmaRuleError.self) { try SigmaRuleSet(file) }
        do {
            _ = try SigmaRuleSet(file)
        } catch {
            #expect(error.reason.contains("'failed_logon' is already the id or name of a rule in twins.yml"))
        }
    }

    @Test func invalidYAMLIsRefusedWithItsLine() throws {
        let error = try #require(refusal("title: T\nid: x\ndetection:\n    selection:\n      - a: [1, 2\n    condition: selection\n"))
        #expect(error.file == "test.yml" && error.line >= 5)
        #expect(error.reason.contains("not valid YAML"))
        #expect(refusal("title: [\n")?.line == 2 || refusal("title: [\n")?.line == 1)
    }

    @Test func anUnsupportedModifierIsRefusedAtItsLine() throws {
        let error = try #require(refusal(rule("    selection:\n        CommandLine|windash|contains: '-enc'\n    condition: selection\n")))
        #expect(error.line == 8 && error.column == 9)
        #expect(error.reason.contains("unsupported modifier 'windash'"))
        #expect(error.description.hasPrefix("test.yml:8:9: "))
    }

    @Test func whatTheSubsetDoesNotHaveIsRefused() {
        let cases: [(String, String)] = [
            (rule("    keywords:\n        - 'mimikatz'\n    condition: keywords\n"), "keyword searches"),
            (rule("    selection:\n        '|contains': 'x'\n    condition: selection\n"), "no field name"),
            (rule("    selection:\n        a: 1\n    condition: selection | count() > 5\n"), "unexpected"),
            (rule("    selection:\n        a: 1\n    condition: selection and other\n"), "'other'"),
            (rule("    selection:\n        a: 1\n    condition: 1 of filter*\n"), "no search is named"),
            (rule("    selection:\n        a: 1\n    timeframe: 5m\n    condition: selection\n"), "timeframe"),
            (rule("    selection:\n        a|re: '(unclosed'\n    condition: selection\n"), "not a regular expression"),
            (rule("    selection:\n        a|cidr: '10.0.0.0/33'\n    condition: selection\n"), "not a network"),
            (rule("    selection:\n        a|gt: 'ten'\n    condition: selection\n"), "takes a number"),
            (rule("    selection:\n        a|exists: 'yes please'\n    condition: selection\n"), "true or false"),
            (rule("    selection:\n        a|contains|startswith: 'x'\n    condition: selection\n"), "cannot be combined"),
            (rule("    selection:\n        a: 0x1F\n    condition: selection\n"), "decimal"),
            (rule("    selection:\n        a: 1\n    condition: selection\n", level: "urgent"), "level must be"),
            (rule("    selection:\n        a: [[1]]\n    condition: selection\n"), "cannot hold lists"),
            ("title: T\ndetection:\n    s:\n        a: 1\n    condition: s\n", "needs an id"),
            ("title: T\nid: x\ncorrelation:\n    type: event_count\n", "needs 'rules'"),
            ("- just\n- a list\n", "YAML mapping"),
            (rule("    selection:\n        a: 1\n    condition: selection\n") + "---\ntitle: second\n", "needs an id"),
        ]
        for (text, reason) in cases {
            let error = refusal(text)
            #expect(error?.reason.contains(reason) == true, "\(reason): \(String(describing: error))")
        }
    }

    @Test func hostileShapesAreRefusedBeforeTheYAMLLibraryRecurses() {
        let deepFlow = "title: " + String(repeating: "[", count: 10_000)
        #expect(refusal(deepFlow)?.reason.contains("nested more than") == true)
        let deepBlock = "title: T\n" + String(repeating: "- ", count: 5_000) + "x\n"
        #expect(refusal(deepBlock)?.reason.contains("nested entries") == true)
        let deepIndent = (0..<400).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n")
        #expect(refusal(deepIndent)?.reason.contains("indented more than") == true)
        #expect(refusal(String(repeating: "a", count: SigmaRuleLoader.maximumFileSize + 1))?.reason.contains("larger") == true)
        #expect(throws: SigmaRuleError.self) { try SigmaRuleLoader.load([0x74, 0x3A, 0x20, 0xFF, 0xFE], file: "bad.yml") }
        // Anchors and aliases let a few bytes name a huge tree: refused before the YAML library builds it.
        let anchors = "title: T\nid: x\ndetection:\n    s:\n        a: &v [" + (0..<100).map { "'v\($0)'" }.joined(separator: ", ")
            + "]\n" + (0..<300).map { "        f\($0): *v" }.joined(separator: "\n") + "\n    condition: s\n"
        #expect(refusal(anchors)?.reason.contains("anchors and aliases") == true)
        // The review's ways around the shape check: CR line ends, a quote inside a plain value, '' inside quotes, a tag.
        for sneaky in ["# c\rx: " + String(repeating: "[", count: 100), "title: t, '\nx: " + String(repeating: "[", count: 100),
                       "x: " + String(repeating: "['a'']', ", count: 100), "x: " + String(repeating: "[!!str ']', ", count: 100),
                       "x: " + String(repeating: "[a#, ", count: 100)] {
            #expect(refusal(sneaky)?.reason.contains("nested more than") == true, "\(sneaky.prefix(30))")
        }
    }
}
