import Foundation
import Yams

/// Turns one field's values and modifiers into a compiled test, refusing combinations the subset cannot mean.
struct SigmaValueReader {
    enum Kind { case text, number, bool, null }

    let reader: SigmaRuleReader
    let key: Node
    let modifiers: Set<String>

    private var wrap: (before: Bool, after: Bool)? {
        if modifiers.contains("contains") { return (true, true) }
        if modifiers.contains("startswith") { return (false, true) }
        if modifiers.contains("endswith") { return (true, false) }
        return nil
    }

    func test(values: [(Node, Node.Scalar)]) throws(SigmaRuleError) -> SigmaFieldTest.Test {
        let wraps = modifiers.intersection(["contains", "startswith", "endswith"])
        let kinds = modifiers.intersection(["re", "cidr", "gt", "gte", "lt", "lte", "exists"])
        guard wraps.count + kinds.count <= 1 else {
            throw reader.fail(key, "modifiers \((wraps.union(kinds)).sorted().joined(separator: " and ")) cannot be combined")
        }
        if modifiers.contains("exists") {
            guard modifiers.count == 1, values.count == 1, Self.kind(values[0].0) == .bool,
                  let flag = values[0].0.bool else {
                throw reader.fail(key, "'exists' takes one value, true or false")
            }
            return .exists(flag)
        }
        var tests: [SigmaValueTest] = []
        for (node, scalar) in values {
            tests.append(try test(node, scalar, kind: kinds.first))
        }
        return .values(tests, all: modifiers.contains("all"))
    }

    private func test(_ node: Node, _ scalar: Node.Scalar, kind modifier: String?) throws(SigmaRuleError) -> SigmaValueTest {
        let kind = Self.kind(node)
        switch modifier {
        case "re":
            guard kind == .text else { throw reader.fail(node, "'re' takes a regular expression as text") }
            guard scalar.string.utf8.count <= 4_096 else { throw reader.fail(node, "the expression is over 4,096 bytes") }
            do {
                return .regex(try SigmaRegex(scalar.string))
            } catch {
                throw reader.fail(node, "'\(scalar.string)' is not a regular expression")
            }
        case "cidr":
            guard kind == .text, let network = SigmaCIDR(scalar.string) else {
                throw reader.fail(node, "'\(scalar.string)' is not a network such as 10.0.0.0/8 or 2001:db8::/32")
            }
            return .cidr(network)
        case .some(let comparison):
            guard kind == .number, let comparisonKind = SigmaValueTest.Comparison(rawValue: comparison),
                  let bound = try number(node, scalar) else {
                throw reader.fail(node, "'\(comparison)' takes a number")
            }
            return .compare(comparisonKind, bound)
        case .none:
            return try plain(node, scalar, kind: kind)
        }
    }

    private func plain(_ node: Node, _ scalar: Node.Scalar, kind: Kind) throws(SigmaRuleError) -> SigmaValueTest {
        switch kind {
        case .null:
            guard wrap == nil else { throw reader.fail(node, "null cannot take contains, startswith or endswith") }
            return .null
        case .bool:
            guard wrap == nil, let flag = node.bool else { throw reader.fail(node, "true or false cannot be wrapped") }
            return .bool(flag)
        case .number where wrap == nil:
            guard let number = try number(node, scalar) else { throw reader.fail(node, "not a number") }
            return .number(number)
        case .text where wrap == nil && !Self.hasWildcard(scalar.string):
            // Plain text that reads as a number compares as that number (the reference's numeric columns).
            if let number = SigmaText.number(scalar.string) { return .number(number) }
            return .pattern(SigmaPattern(scalar.string))
        case .number, .text:
            return .pattern(SigmaPattern(scalar.string, anyBefore: wrap?.before ?? false, anyAfter: wrap?.after ?? false))
        }
    }

    /// Numbers in rules are written in decimal; YAML's octal, hexadecimal and base-60 forms are refused rather than
    /// guessed at.
    private func number(_ node: Node, _ scalar: Node.Scalar) throws(SigmaRuleError) -> Double? {
        let text = scalar.string.replacingOccurrences(of: "_", with: "")
        let digits = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.dropFirst()) : text
        guard digits.count <= 30, digits.first != "." else { throw reader.fail(node, "write the number in decimal") }
        if digits.count > 1, digits.hasPrefix("0"), !digits.hasPrefix("0.") {
            throw reader.fail(node, "write the number in decimal, without a leading zero")
        }
        guard digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(text),
              value.isFinite else {
            throw reader.fail(node, "write the number in decimal")
        }
        return value
    }

    static func hasWildcard(_ text: String) -> Bool {
        SigmaPattern.pieces(of: Array(text.utf8)).contains { $0 == .anyRun || $0 == .anyOne }
    }

    static func kind(_ node: Node) -> Kind {
        let tag = node.tag.description
        if tag.hasSuffix(":null") { return .null }
        if tag.hasSuffix(":bool") { return .bool }
        if tag.hasSuffix(":int") || tag.hasSuffix(":float") { return .number }
        return .text
    }
}
