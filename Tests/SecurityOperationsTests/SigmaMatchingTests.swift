import Foundation
import Platform
import SecurityOperations
import Testing

/// The subset's semantics, each on the smallest rule that shows it.
struct SigmaMatchingTests {
    func rule(_ detection: String) throws -> SigmaRule {
        let text = "title: T\nid: r1\nlevel: medium\ndetection:\n\(detection)"
        return try SigmaRuleLoader.load(Array(text.utf8), file: "t.yml")
    }

    func event(_ fields: [String: JSONValue]) -> SigmaEvent { SigmaEvent(fields: fields) }

    @Test func fieldNamesAndValuesIgnoreASCIICaseOnly() throws {
        let sigma = try rule("    s:\n        Image|endswith: '\\Mimikatz.EXE'\n    condition: s\n")
        #expect(sigma.matches(event(["image": .string(#"C:\tools\mimikatz.exe"#)])))
        #expect(sigma.matches(event(["IMAGE": .string(#"C:\TOOLS\MIMIKATZ.EXE"#)])))
        #expect(!sigma.matches(event(["Image": .string(#"C:\tools\mimikatz.exe.txt"#)])))
        let cyrillic = try rule("    s:\n        Name: 'Привет'\n    condition: s\n")
        #expect(cyrillic.matches(event(["Name": .string("Привет")])))
        #expect(!cyrillic.matches(event(["Name": .string("ПРИВЕТ")])))
    }

    @Test func wildcardsAndTheirEscapes() throws {
        let sigma = try rule("    s:\n        a: 'ab?d*f'\n        b: 'x\\*y'\n        c: 'C:\\Windows\\\\*'\n    condition: s\n")
        let base: [String: JSONValue] = ["a": "abcdXYZf", "b": "x*y", "c": #"C:\Windows\System32"#]
        #expect(sigma.matches(event(base)))
        #expect(sigma.matches(event(base.merging(["a": "abédf"]) { $1 })))
        #expect(!sigma.matches(event(base.merging(["a": "abdf"]) { $1 })))
        #expect(!sigma.matches(event(base.merging(["b": "xzy"]) { $1 })))
        let startswith = try rule("    s:\n        c|startswith: 'C:\\Windows\\'\n    condition: s\n")
        #expect(startswith.matches(event(["c": #"c:\windows\temp\a.exe"#])))
        #expect(!startswith.matches(event(["c": #"C:\Windows"#])))
    }

    @Test func listsAreAnyOfUnlessAll() throws {
        let any = try rule("    s:\n        CommandLine|contains:\n            - 'sekurlsa'\n            - 'lsadump'\n    condition: s\n")
        let all = try rule("    s:\n        CommandLine|contains|all:\n            - 'sekurlsa'\n            - 'lsadump'\n    condition: s\n")
        let one: [String: JSONValue] = ["CommandLine": "mimikatz sekurlsa::logonpasswords"]
        #expect(any.matches(event(one)) && !all.matches(event(one)))
        #expect(all.matches(event(["CommandLine": "SEKURLSA then LSADUMP"])))
    }

    @Test func numbersMatchNumbersAndTheirDigits() throws {
        let sigma = try rule("    s:\n        EventID: 4625\n    condition: s\n")
        #expect(sigma.matches(event(["EventID": .number(4625)])))
        #expect(sigma.matches(event(["EventID": "4625"])))
        #expect(!sigma.matches(event(["EventID": .number(4624)])))
        #expect(!sigma.matches(event(["EventID": "46250"])))
        // Text that reads as a number is that number, as the reference's numeric columns read it.
        for written in ["04625", " 4625 ", "+4625", "4625.0", "4.625e3"] { #expect(sigma.matches(event(["EventID": .string(written)])), "\(written)") }
        for written in ["0x1211", "4625x", "4,625", ""] { #expect(!sigma.matches(event(["EventID": .string(written)])), "\(written)") }
        let quoted = try rule("    s:\n        Port: '0445'\n        Code: '0x9'\n    condition: s\n")
        #expect(quoted.matches(event(["Port": .number(445), "Code": "0X9"])))
        #expect(!quoted.matches(event(["Port": .number(445), "Code": "0x09"])))
        // Patterns see a number as it is stored: "0042" is 42.
        let prefix = try rule("    s:\n        n|startswith: '00'\n    condition: s\n")
        #expect(!prefix.matches(event(["n": "0042"])) && prefix.matches(event(["n": "00x"])))
    }

    @Test func comparisonsCIDRAndExists() throws {
        let sigma = try rule("""
                s:
                    dst_port|lt: 1024
                    src_ip|cidr: '172.16.0.0/12'
                    user|exists: false
                condition: s

            """)
        #expect(sigma.matches(event(["dst_port": .number(22), "src_ip": "172.31.255.1"])))
        #expect(sigma.matches(event(["dst_port": "443", "src_ip": "172.16.0.0"])))
        #expect(!sigma.matches(event(["dst_port": .number(22), "src_ip": "172.32.0.1"])))
        #expect(!sigma.matches(event(["dst_port": .number(1024), "src_ip": "172.16.0.1"])))
        #expect(!sigma.matches(event(["dst_port": .number(22), "src_ip": "172.16.0.1", "user": "x"])))
        #expect(!sigma.matches(event(["dst_port": .number(22), "src_ip": "not an address"])))
        let v6 = try rule("    s:\n        ip|cidr: '2001:db8::/32'\n    condition: s\n")
        #expect(v6.matches(event(["ip": "2001:db8:1::7"])) && !v6.matches(event(["ip": "2001:db9::1"])))
    }

    @Test func regularExpressionsAreCaseSensitiveUnlessTheySayOtherwise() throws {
        let sensitive = try rule("    s:\n        c-uri|re: '/[a-f0-9]{4}\\.php$'\n    condition: s\n")
        #expect(sensitive.matches(event(["c-uri": "/x/abcd.php"])))
        #expect(!sensitive.matches(event(["c-uri": "/x/ABCD.php"])))
        let insensitive = try rule("    s:\n        c-uri|re: '(?i)/[a-f0-9]{4}\\.php$'\n    condition: s\n")
        #expect(insensitive.matches(event(["c-uri": "/x/ABCD.PHP"])))
    }

    @Test func conditionsCombineSearches() throws {
        let sigma = try rule("""
                selection_a:
                    a: 1
                selection_b:
                    b: 2
                filter_x:
                    x: 'no'
                filter_y:
                    y: 'no'
                condition: (all of selection_*) and not 1 of filter_*

            """)
        #expect(sigma.matches(event(["a": 1, "b": 2])))
        #expect(!sigma.matches(event(["a": 1])))
        #expect(!sigma.matches(event(["a": 1, "b": 2, "y": "NO"])))
        // A filter over a field the event lacks does not remove the match.
        #expect(sigma.matches(event(["a": 1, "b": 2, "x": .null])))
        let them = try rule("    s1:\n        a: 1\n    s2:\n        b: 2\n    condition: 1 of them\n")
        #expect(them.matches(event(["b": 2])) && !them.matches(event(["c": 3])))
        let allOfThem = try rule("    s1:\n        a: 1\n    s2:\n        b: 2\n    condition: all of them\n")
        #expect(allOfThem.matches(event(["a": 1, "b": 2])) && !allOfThem.matches(event(["b": 2])))
    }

    @Test func aListOfMapsIsAnyOfThemAndNullIsMissing() throws {
        let sigma = try rule("    s:\n        - a: 1\n          b: null\n        - c: 'x'\n    condition: s\n")
        #expect(sigma.matches(event(["a": 1])))
        #expect(!sigma.matches(event(["a": 1, "b": "set"])))
        #expect(sigma.matches(event(["c": "X"])))
        #expect(sigma.matches(event(["c": .array(["y", "x"])])))
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}

/// A rule's expression run on a value crafted to make the backtracking engine take forever: it gives up within its
/// budget and counts as a match (an alert, never a miss an attacker can aim for).
struct SigmaRegexBudgetTests {
    @Test func aCatastrophicValueIsCutShortAndCountsAsAMatch() throws {
        let text = "title: T\nid: r1\ndetection:\n    s:\n        cs-uri|re: '(?i)(ipfs\\.io/|ipfs\\.io\\s).+\\..+@.+\\.[a-z]+'\n    condition: s\n"
        let rule = try SigmaRuleLoader.load(Array(text.utf8), file: "t.yml")
        let hostile = "ipfs.io/" + String(repeating: ".@", count: 8_000)
        #expect(rule.matches(SigmaEvent(fields: ["cs-uri": .string(hostile)])))
        #expect(rule.matches(SigmaEvent(fields: ["cs-uri": "https://ipfs.io/ipfs/x.html?u=a@b.example"])))
        #expect(!rule.matches(SigmaEvent(fields: ["cs-uri": "https://example.org/"])))
    }
}

/// The condition language as the reference reads it: lower-case keywords, case-sensitive search patterns, and `_`
/// helpers left out of patterns that do not name them.
struct SigmaConditionStrictnessTests {
    func load(_ condition: String) throws -> SigmaRule {
        let text = "title: T\nid: r\ndetection:\n    selection:\n        a: 1\n    _helper:\n        b: 2\n    Not:\n        c: 3\n    condition: \(condition)\n"
        return try SigmaRuleLoader.load(Array(text.utf8), file: "t.yml")
    }

    @Test func patternsAndKeywords() throws {
        #expect(try !load("1 of *").matches(SigmaEvent(fields: ["b": .number(2)])))
        #expect(try load("1 of _*").matches(SigmaEvent(fields: ["b": .number(2)])))
        #expect(try load("selection and not Not").matches(SigmaEvent(fields: ["a": .number(1)])))
        #expect(throws: SigmaRuleError.self) { try load("1 of Sel*") }
        #expect(throws: SigmaRuleError.self) { try load("selection AND _helper") }
    }

    /// A condition may name one search hundreds of times (a review's hostile rule: 2,000 values named 600 times):
    /// the search is compiled once and each naming runs it, so the rule loads and matches as the plain one does.
    @Test func aSearchNamedManyTimesMatchesAsOnce() throws {
        let values = (0..<2_000).map { "'v\($0)'" }.joined(separator: ", ")
        let condition = Array(repeating: "s", count: 600).joined(separator: " or ")
        let text = "title: T\nid: r1\nlevel: medium\ndetection:\n    s:\n        f: [\(values)]\n    t:\n        g: 1\n    condition: (\(condition)) and not t\n"
        let sigma = try SigmaRuleLoader.load(Array(text.utf8), file: "t.yml")
        let rules = SigmaRuleSet([sigma])
        #expect(rules.matches(["f": JSONValue.string("V1999")]) == [0])
        #expect(rules.matches(["f": JSONValue.string("v2000")]).isEmpty && rules.matches(["f": .string("v5"), "g": .number(1)]).isEmpty)
    }
}
