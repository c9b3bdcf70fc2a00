import Foundation
import Metrics

/// A named search of a rule's `detection`: a map is all of its field tests; a list of maps is any of them.
/// What a rule file says; `SigmaProgram` compiles it for matching.
final class SigmaSearch: Sendable {
    let name: String
    let alternatives: [[SigmaFieldTest]]

    init(name: String, alternatives: [[SigmaFieldTest]]) {
        self.name = name
        self.alternatives = alternatives
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
    let values: [SigmaValueTest]
    let all: Bool
    let exists: Bool?

    init(field: String, test: Test) {
        self.field = field
        switch test {
        case .values(let values, let all): (self.values, self.all, exists) = (values, all, nil)
        case .exists(let wanted): (values, all, exists) = ([], false, wanted)
        }
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

    /// One value (not a list) against this test; plain shapes and numbers are matched by `SigmaValueSet` itself.
    func matchesOne(_ value: SigmaValueView) -> Bool {
        switch self {
        case .pattern(let pattern): pattern.matches(value.folded)
        case .number(let number): value.number == number
        case .bool(let flag): value.bool == flag || value.folded.elementsEqual((flag ? "true" : "false").utf8)
        case .null: false
        case .regex(let regex): regex.matches(value.string)
        case .cidr(let network): network.contains(value.string)
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
