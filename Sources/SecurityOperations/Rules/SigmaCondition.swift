/// A rule's `condition`, with its searches resolved to their places in the rule.
indirect enum SigmaCondition: Sendable, Equatable {
    case search(Int)
    case not(SigmaCondition)
    case and([SigmaCondition])
    case or([SigmaCondition])

    func evaluate(_ search: (Int) -> Bool) -> Bool {
        switch self {
        case .search(let index): search(index)
        case .not(let inner): !inner.evaluate(search)
        case .and(let parts): parts.allSatisfy { $0.evaluate(search) }
        case .or(let parts): parts.contains { $0.evaluate(search) }
        }
    }
}

/// Reads `selection and not 1 of filter_*`, `all of them`, parentheses: the condition language of the subset.
/// Precedence from loosest: `or`, `and`, `not`; keywords in any case; nesting at most 32 deep.
struct SigmaConditionParser {
    static let maximumDepth = 32

    private var tokens: [String]
    private var position = 0
    private let names: [String]

    /// Reads the condition over the rule's searches, named in `names`; the reason when it does not read.
    static func parse(_ text: String, names: [String]) throws(SigmaConditionError) -> SigmaCondition {
        guard text.utf8.count <= 4_096 else { throw SigmaConditionError("the condition is longer than 4,096 bytes") }
        var parser = SigmaConditionParser(tokens: tokenise(text), names: names)
        guard !parser.tokens.isEmpty else { throw SigmaConditionError("the condition is empty") }
        let condition = try parser.orExpression(depth: 0)
        if parser.position < parser.tokens.count {
            throw SigmaConditionError("unexpected '\(parser.tokens[parser.position])' in the condition")
        }
        return condition
    }

    private init(tokens: [String], names: [String]) {
        self.tokens = tokens
        self.names = names
    }

    private static func tokenise(_ text: String) -> [String] {
        var tokens: [String] = []
        var word = ""
        for character in text {
            if character == "(" || character == ")" || character.isWhitespace {
                if !word.isEmpty { tokens.append(word) }
                word = ""
                if !character.isWhitespace { tokens.append(String(character)) }
            } else {
                word.append(character)
            }
        }
        if !word.isEmpty { tokens.append(word) }
        return tokens
    }

    private var next: String? { position < tokens.count ? tokens[position] : nil }

    /// Keywords are lower case, as the reference reads them (a search may be named `Not`).
    private func isKeyword(_ keyword: String) -> Bool { next == keyword }

    private mutating func orExpression(depth: Int) throws(SigmaConditionError) -> SigmaCondition {
        var parts = [try andExpression(depth: depth)]
        while isKeyword("or") {
            position += 1
            parts.append(try andExpression(depth: depth))
        }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    private mutating func andExpression(depth: Int) throws(SigmaConditionError) -> SigmaCondition {
        var parts = [try notExpression(depth: depth)]
        while isKeyword("and") {
            position += 1
            parts.append(try notExpression(depth: depth))
        }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    private mutating func notExpression(depth: Int) throws(SigmaConditionError) -> SigmaCondition {
        guard depth < Self.maximumDepth else { throw SigmaConditionError("the condition nests more than 32 deep") }
        if isKeyword("not") {
            position += 1
            return .not(try notExpression(depth: depth + 1))
        }
        return try primary(depth: depth)
    }

    private mutating func primary(depth: Int) throws(SigmaConditionError) -> SigmaCondition {
        guard let token = next else { throw SigmaConditionError("the condition ends where a search was expected") }
        position += 1
        switch token {
        case "(":
            let inner = try orExpression(depth: depth + 1)
            guard next == ")" else { throw SigmaConditionError("a '(' in the condition is not closed") }
            position += 1
            return inner
        case "1", "any", "all":
            guard isKeyword("of") else { return try search(named: token) }
            position += 1
            return try quantified(every: token == "all")
        case ")", "and", "or", "of", "them":
            throw SigmaConditionError("unexpected '\(token)' in the condition")
        default:
            return try search(named: token)
        }
    }

    private mutating func quantified(every: Bool) throws(SigmaConditionError) -> SigmaCondition {
        guard let target = next else { throw SigmaConditionError("'of' must be followed by a search name or 'them'") }
        position += 1
        let chosen: [Int]
        if target == "them" {
            // Searches whose names start with '_' are helpers that 'them' leaves out, per the Sigma specification.
            chosen = names.indices.filter { !names[$0].hasPrefix("_") }
        } else {
            // Names match case-sensitively, '*' as a wildcard; '_' helpers only when the pattern names them.
            let helpers = target.hasPrefix("_")
            chosen = names.indices.filter { (helpers || !names[$0].hasPrefix("_")) && Self.glob(target, matches: names[$0]) }
        }
        guard !chosen.isEmpty else { throw SigmaConditionError("no search is named like '\(target)'") }
        let searches = chosen.map(SigmaCondition.search)
        if searches.count == 1 { return searches[0] }
        return every ? .and(searches) : .or(searches)
    }

    /// A search-name pattern: `*` any run, everything else itself, case and all.
    static func glob(_ pattern: String, matches name: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == name }
        guard let first = parts.first, let last = parts.last, name.hasPrefix(first), name.count >= first.count + last.count else { return false }
        var rest = Substring(name.dropFirst(first.count))
        for middle in parts.dropFirst().dropLast() where !middle.isEmpty {
            guard let range = rest.range(of: middle) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(last)
    }

    private func search(named name: String) throws(SigmaConditionError) -> SigmaCondition {
        guard let index = names.firstIndex(of: name) else {
            throw SigmaConditionError("the condition names '\(name)', which is not a search of the rule")
        }
        return .search(index)
    }
}

struct SigmaConditionError: Error, Equatable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
