import Foundation

/// A named search of a rule's `detection`: a map is all of its field tests; a list of maps is any of them.
struct SigmaSearch: Sendable {
    let name: String
    let alternatives: [[SigmaFieldTest]]

    func matches(_ event: SigmaEvent) -> Bool {
        alternatives.contains { tests in tests.allSatisfy { $0.matches(event) } }
    }
}

/// One `field|modifiers: values` entry.
struct SigmaFieldTest: Sendable {
    enum Test: Sendable {
        /// Any of the values, or every one of them with `|all`.
        case values([SigmaValueTest], all: Bool)
        case exists(Bool)
    }

    let field: String
    let test: Test

    func matches(_ event: SigmaEvent) -> Bool {
        let value = event.value(field)
        switch test {
        case .exists(let wanted):
            return (value != nil) == wanted
        case .values(let tests, all: false):
            return tests.contains { $0.matches(value) }
        case .values(let tests, all: true):
            return tests.allSatisfy { $0.matches(value) }
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

    func matches(_ value: SigmaFieldValue?) -> Bool {
        guard let value else {
            if case .null = self { return true }
            return false
        }
        return value.any(matchesOne)
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
final class SigmaRegex: @unchecked Sendable {
    private let expression: NSRegularExpression

    init(_ pattern: String) throws {
        expression = try NSRegularExpression(pattern: pattern)
    }

    /// Anywhere in the value, case-sensitive unless the pattern says `(?i)`.
    func matches(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, options: [], range: range) != nil
    }
}
