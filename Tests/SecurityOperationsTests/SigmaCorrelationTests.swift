import Foundation
import Platform
import SecurityOperations
import Testing

/// Correlation rules streamed: counts per group within the timespan, firing once per burst, with bounded state.
struct SigmaCorrelationTests {
    static let base = """
        title: Failed sign-in
        name: failed_sign_in
        id: base-1
        detection:
            selection:
                event.outcome: failure
            condition: selection
        level: low

        """

    func ruleSet(_ correlation: String) throws -> SigmaRuleSet {
        try SigmaRuleSet(SigmaRuleLoader.loadFile(Array((Self.base + "---\n" + correlation).utf8), file: "c.yml"))
    }

    func feed(_ set: SigmaRuleSet, _ correlator: SigmaCorrelator, _ fields: [String: JSONValue], at seconds: Int64,
              unit: String = "") -> [SigmaCorrelator.Firing] {
        let event = set.prepare(fields)
        return correlator.observe(event, matched: set.matches(event), atMs: seconds * 1000, scope: unit)
    }

    @Test func tenFailuresFromOneAddressWithinFiveMinutesFireOnce() throws {
        let set = try ruleSet("""
            title: Brute force
            id: corr-1
            correlation:
                type: event_count
                rules: [failed_sign_in]
                group-by: [source.ip]
                timespan: 5m
                condition: {gte: 10}
            level: high

            """)
        #expect(set.quiet == [0] && set.correlations.first?.kind == .eventCount)
        let correlator = SigmaCorrelator(ruleSet: set)
        var fired: [Int64] = []
        for second in stride(from: Int64(0), to: 300, by: 20) {
            // 15 failures from one address, 20 s apart: the tenth (at 180 s) fires; the count starts again after it.
            if !feed(set, correlator, ["event.outcome": "failure", "source.ip": "203.0.113.9"], at: second).isEmpty { fired.append(second) }
            // Another address and successes never add up.
            #expect(feed(set, correlator, ["event.outcome": "failure", "source.ip": .string("198.51.100.\(second)")], at: second).isEmpty)
            #expect(feed(set, correlator, ["event.outcome": "success", "source.ip": "203.0.113.9"], at: second).isEmpty)
        }
        #expect(fired == [180])
        // Spread over more than the timespan, ten failures do not fire.
        let slow = SigmaCorrelator(ruleSet: set)
        let spread = (0..<12).flatMap { feed(set, slow, ["event.outcome": "failure", "source.ip": "192.0.2.1"], at: Int64($0) * 40) }
        #expect(spread.isEmpty)
        // Nine at one moment and a tenth an hour late: no five-minute window holds ten.
        let late = SigmaCorrelator(ruleSet: set)
        let nine = (0..<9).flatMap { _ in feed(set, late, ["event.outcome": "failure", "source.ip": "192.0.2.3"], at: 7_200) }
        #expect(nine.isEmpty && feed(set, late, ["event.outcome": "failure", "source.ip": "192.0.2.3"], at: 3_600).isEmpty)
        // Nine from one unit's machines and one from another unit's: the second unit cannot complete the first's count.
        let units = SigmaCorrelator(ruleSet: set)
        let ward = (0..<9).flatMap { _ in feed(set, units, ["event.outcome": "failure", "source.ip": "192.0.2.4"], at: 60, unit: "phuong-phu-xuan") }
        #expect(ward.isEmpty && feed(set, units, ["event.outcome": "failure", "source.ip": "192.0.2.4"], at: 61, unit: "so-tai-chinh").isEmpty)
        #expect(feed(set, units, ["event.outcome": "failure", "source.ip": "192.0.2.4"], at: 62, unit: "phuong-phu-xuan").count == 1)
    }

    @Test func distinctValuesAndRulesInTurn() throws {
        let spray = try ruleSet("""
            title: Password spray
            id: corr-2
            correlation:
                type: value_count
                rules: [failed_sign_in]
                group-by: [source.ip]
                timespan: 10m
                condition: {field: user.name, gt: 2}
                generate: true

            """)
        #expect(spray.quiet.isEmpty)
        let correlator = SigmaCorrelator(ruleSet: spray)
        let users = ["an", "an", "binh", "an", "chi"]
        let fired = users.enumerated().map { feed(spray, correlator, ["event.outcome": "failure", "source.ip": "203.0.113.5", "user.name": .string($1)], at: Int64($0)) }
        #expect(fired.map(\.isEmpty) == [true, true, true, true, false])
        #expect(fired.last?.first?.group == ["source.ip": "203.0.113.5"])

        let text = Self.base + """
            ---
            title: Success after failure
            name: ok
            id: base-2
            detection:
                selection:
                    event.outcome: success
                condition: selection
            ---
            title: Failure then success
            id: corr-3
            correlation:
                type: temporal
                rules: [failed_sign_in, ok]
                group-by: [user.name]
                timespan: 1m

            """
        let turn = try SigmaRuleSet(SigmaRuleLoader.loadFile(Array(text.utf8), file: "t.yml"))
        let temporal = SigmaCorrelator(ruleSet: turn)
        #expect(feed(turn, temporal, ["event.outcome": "failure", "user.name": "an"], at: 0).isEmpty)
        #expect(feed(turn, temporal, ["event.outcome": "success", "user.name": "binh"], at: 10).isEmpty)
        #expect(feed(turn, temporal, ["event.outcome": "success", "user.name": "an"], at: 120).isEmpty)
        #expect(feed(turn, temporal, ["event.outcome": "failure", "user.name": "an"], at: 130).count == 1)
    }

    @Test func whatStreamingCannotDecideIsRefused() {
        let cases: [(String, String)] = [
            ("correlation:\n    type: event_count\n    rules: [failed_sign_in]\n    timespan: 5m\n    condition: {lt: 3}\n", "cannot be decided"),
            ("correlation:\n    type: event_count\n    rules: [failed_sign_in]\n    timespan: 5y\n    condition: {gte: 3}\n", "unit is s, m, h or d"),
            ("correlation:\n    type: event_count\n    rules: [failed_sign_in]\n    timespan: 40d\n    condition: {gte: 3}\n", "at most 31 days"),
            ("correlation:\n    type: value_count\n    rules: [failed_sign_in]\n    timespan: 5m\n    condition: {gte: 3}\n", "names the 'field'"),
            ("correlation:\n    type: temporal\n    rules: [failed_sign_in]\n    timespan: 5m\n", "at least two rules"),
            ("correlation:\n    type: event_count\n    rules: [nobody]\n    timespan: 5m\n    condition: {gte: 3}\n", "no loaded rule"),
            ("correlation:\n    type: event_count\n    rules: [failed_sign_in]\n    timespan: 5m\n    condition: {gte: 99999}\n", "up to 10000"),
        ]
        for (body, reason) in cases {
            do {
                _ = try ruleSet("title: C\nid: c\n" + body)
                Issue.record("loaded: \(body)")
            } catch let error as SigmaRuleError {
                #expect(error.reason.contains(reason), "\(reason): \(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func groupsAreBounded() throws {
        let set = try ruleSet("title: B\nid: b\ncorrelation:\n    type: event_count\n    rules: [failed_sign_in]\n    group-by: [source.ip]\n    timespan: 1d\n    condition: {gte: 5}\n")
        let correlator = SigmaCorrelator(ruleSet: set)
        for index in 0..<(SigmaCorrelator.maximumGroups + 5_000) {
            _ = feed(set, correlator, ["event.outcome": "failure", "source.ip": .string("10.\(index / 65_536).\(index / 256 % 256).\(index % 256)")], at: Int64(index))
        }
        #expect(correlator.groupCount(0) <= SigmaCorrelator.maximumGroups)
        #expect(correlator.groupCount(0) >= SigmaCorrelator.maximumGroups * 8 / 10)
    }

    /// Full, with one group gone stale: a tenth of the room is freed at once, not just that one place (each new
    /// group would otherwise sweep every group).
    @Test func aFullCorrelationFreesATenthAtOnce() throws {
        let set = try ruleSet("title: B\nid: b\ncorrelation:\n    type: event_count\n    rules: [failed_sign_in]\n    group-by: [source.ip]\n    timespan: 1m\n    condition: {gte: 5}\n")
        let correlator = SigmaCorrelator(ruleSet: set)
        func address(_ index: Int) -> JSONValue { .string("10.\(index / 65_536).\(index / 256 % 256).\(index % 256)") }
        _ = feed(set, correlator, ["event.outcome": "failure", "source.ip": address(0)], at: 0)
        for index in 1..<SigmaCorrelator.maximumGroups {
            _ = feed(set, correlator, ["event.outcome": "failure", "source.ip": address(index)], at: 100)
        }
        #expect(correlator.groupCount(0) == SigmaCorrelator.maximumGroups)
        _ = feed(set, correlator, ["event.outcome": "failure", "source.ip": address(SigmaCorrelator.maximumGroups)], at: 101)
        #expect(correlator.groupCount(0) == SigmaCorrelator.maximumGroups * 9 / 10 + 1)
    }

    /// The shipped brute-force rule counts an IPv6 sender by its /64: an attacker rotating through the block one
    /// subscriber line is given is one sender; two lines are two.
    @Test func theShippedBruteForceRuleCountsAnIPv6BlockAsOneSender() throws {
        let folder = try #require(BundledRules.folder)
        let set = try SigmaRuleSet(SigmaRuleLoader.loadAll([folder]))
        let brute = try #require(set.correlations.firstIndex { $0.id == "0b7d51a2-6f44-4d1e-8c2a-3e9f5a6b7c80" })
        func failure(_ address: String) -> [String: JSONValue] {
            ["organization.id": "platform", "event.category": "authentication", "event.outcome": "failure",
             "source.ip": .string(address), "source.network": .string(IPNetwork.budgetKey(address))]
        }
        let correlator = SigmaCorrelator(ruleSet: set)
        var fired: [Int] = []
        for attempt in 0..<10 {
            let rotating = feed(set, correlator, failure("2001:db8:7:1::\(String(attempt + 1, radix: 16))"), at: Int64(attempt), unit: "platform")
            fired += rotating.map(\.correlation)
            // One failure each from ten other lines (another /64 each): none reaches ten.
            #expect(feed(set, correlator, failure("2001:db8:7:\(attempt + 2)::1"), at: Int64(attempt), unit: "platform").isEmpty)
        }
        #expect(fired == [brute])
    }
}

