import Foundation
import Metrics

/// A named search of a rule's `detection`: a map is all of its field tests; a list of maps is any of them.
/// Classes, not structs, so matching an event shares the compiled tree instead of copying it.
final class SigmaSearch: Sendable {
    let name: String
    let alternatives: [[SigmaFieldTest]]

    init(name: String, alternatives: [[SigmaFieldTest]]) {
        self.name = name
        self.alternatives = alternatives
    }

    func bound(to slots: [String: Int]) -> SigmaSearch {
        SigmaSearch(name: name, alternatives: alternatives.map { $0.map { $0.bound(to: slots) } })
    }

    func matches(_ event: SigmaEvent) -> Bool {
        for tests in alternatives {
            var all = true
            for test in tests where !test.matches(event) {
                all = false
                break
            }
            if all { return true }
        }
        return false
    }
}

/// One `field|modifiers: values` entry.
final class SigmaFieldTest: Sendable {
    enum Test: Sendable {
        /// Any of the values, or every one of them with `|all`.
        case values([SigmaValueTest], all: Bool)
        case exists(Bool)
    }

    let field: String
    /// Where a rule set keeps the field in its events; -1: looked up by name.
    let slot: Int
    let values: [SigmaValueTest]
    let all: Bool
    let exists: Bool?

    init(field: String, test: Test, slot: Int = -1) {
        self.field = field
        self.slot = slot
        switch test {
        case .values(let values, let all): (self.values, self.all, exists) = (values, all, nil)
        case .exists(let wanted): (values, all, exists) = ([], false, wanted)
        }
    }

    func bound(to slots: [String: Int]) -> SigmaFieldTest {
        SigmaFieldTest(field: field, test: exists.map { .exists($0) } ?? .values(values, all: all), slot: slots[field] ?? -1)
    }

    func matches(_ event: SigmaEvent) -> Bool {
        let value = event.value(field, slot: slot)
        if let exists { return (value != nil) == exists }
        if all {
            for test in values where !test.matches(value) { return false }
            return true
        }
        for test in values where test.matches(value) { return true }
        return false
    }
}

/// One value of a field test, compiled with its modifiers.
enum SigmaValueTest: Sendable {
    enum Comparison: String, Sendable { case gt, gte, lt, lte }

    case pattern(SigmaPattern)
    /// A number in the rule (or text that reads as one) matches the same number, however the event wrote it.
    case number(Double)
    case bool(Bool)
    /// `null` in the rule: the field is missing or null.
    case null
    case regex(SigmaRegex)
    case cidr(SigmaCIDR)
    case compare(Comparison, Double)

    func matches(_ value: SigmaFieldValue?) -> Bool {
        guard let value else {
            if case .null = self { return true }
            return false
        }
        if matchesOne(value) { return true }
        for element in value.elements where matchesOne(element) { return true }
        return false
    }

    private func matchesOne(_ value: SigmaFieldValue) -> Bool {
        switch self {
        case .pattern(let pattern): pattern.matches(value.folded)
        case .number(let number): value.number == number
        case .bool(let flag): value.bool == flag || value.folded == SigmaText.folded(flag ? "true" : "false")
        case .null: false
        case .regex(let regex): regex.matches(value.text)
        case .cidr(let network): network.contains(value.text)
        case .compare(let comparison, let bound): Self.compare(value.number, comparison, bound)
        }
    }

    private static func compare(_ number: Double?, _ comparison: Comparison, _ bound: Double) -> Bool {
        guard let number else { return false }
        switch comparison {
        case .gt: return number > bound
        case .gte: return number >= bound
        case .lt: return number < bound
        case .lte: return number <= bound
        }
    }
}

/// A compiled `|re` pattern. Matching reads no shared state, so one instance serves every thread.
///
/// Rules' expressions run on attackers' text with a backtracking engine, so one rule such as `.+\..+@.+` can take
/// cubic time on a crafted value: each match is given a budget, and a match that runs out of it counts as a match
/// (an alert an analyst sees, never a silent miss an attacker can aim for), counted in a metric.
final class SigmaRegex: @unchecked Sendable {
    static let budget: Duration = .milliseconds(20)
    /// Longer values are matched on their first bytes only (events are bounded at 64 KiB anyway).
    static let maximumText = 16_384
    static let directLimit = 256
    private static let timeouts = Counter(label: "hues_soc_regex_timeouts_total")

    private let expression: NSRegularExpression

    init(_ pattern: String) throws {
        expression = try NSRegularExpression(pattern: pattern)
    }

    /// Anywhere in the value, case-sensitive unless the pattern says `(?i)`.
    func matches(_ text: String) -> Bool {
        let subject = text.utf8.count <= Self.maximumText ? text : String(decoding: text.utf8.prefix(Self.maximumText), as: UTF8.self)
        let range = NSRange(subject.startIndex..<subject.endIndex, in: subject)
        // Short values cannot take long even at the worst (cubic: 256 bytes stay within milliseconds): matched
        // directly, without the progress checks that cost every match a callback.
        if subject.utf8.count <= Self.directLimit {
            return expression.firstMatch(in: subject, options: [], range: range) != nil
        }
        let deadline = ContinuousClock.now + Self.budget
        var found = false
        var timedOut = false
        expression.enumerateMatches(in: subject, options: [.reportProgress], range: range) { result, _, stop in
            if result != nil {
                found = true
                stop.pointee = true
            } else if ContinuousClock.now > deadline {
                timedOut = true
                stop.pointee = true
            }
        }
        if timedOut && !found { Self.timeouts.increment() }
        return found || timedOut
    }
}
