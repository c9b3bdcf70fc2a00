import Yams

/// Reads a rule's `detection`: its named searches, each a map of field tests or a list of such maps, and the
/// condition over them. Modifiers outside the subset, keyword searches and impossible combinations are refused.
struct SigmaDetectionReader {
    static let modifiers: Set<String> = [
        "contains", "startswith", "endswith", "all", "re", "cidr", "gt", "gte", "lt", "lte", "exists",
    ]

    let reader: SigmaRuleReader
    private var visited = 0

    init(reader: SigmaRuleReader) { self.reader = reader }

    mutating func read(_ node: Node) throws(SigmaRuleError) -> ([SigmaSearch], SigmaCondition) {
        guard let mapping = node.mapping else { throw reader.fail(node, "'detection' must be a mapping") }
        var searches: [SigmaSearch] = []
        var conditionNode: Node? = nil
        for (key, value) in mapping {
            guard let name = key.scalar?.string, !name.isEmpty else { throw reader.fail(key, "a search needs a name") }
            switch name {
            case "condition": conditionNode = value
            case "timeframe": throw reader.fail(key, "'timeframe' belongs to correlation rules, not in the subset yet")
            default:
                guard !searches.contains(where: { $0.name == name }) else {
                    throw reader.fail(key, "'\(name)' is given twice")
                }
                searches.append(SigmaSearch(name: name, alternatives: try alternatives(value, search: name)))
            }
        }
        guard let conditionNode else { throw reader.fail(node, "the detection needs a condition") }
        return (searches, try condition(conditionNode, names: searches.map(\.name)))
    }

    /// The condition, or a list of conditions (any of them), as older rules write it.
    private func condition(_ node: Node, names: [String]) throws(SigmaRuleError) -> SigmaCondition {
        var texts: [(Node, String)] = []
        if let scalar = node.scalar {
            texts = [(node, scalar.string)]
        } else if let sequence = node.sequence, !sequence.isEmpty {
            for item in sequence {
                guard let scalar = item.scalar else { throw reader.fail(item, "a condition must be text") }
                texts.append((item, scalar.string))
            }
        } else {
            throw reader.fail(node, "a condition must be text")
        }
        var parts: [SigmaCondition] = []
        for (place, text) in texts {
            do {
                parts.append(try SigmaConditionParser.parse(text, names: names))
            } catch {
                throw reader.fail(place, error.reason)
            }
        }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    private mutating func alternatives(_ node: Node, search: String) throws(SigmaRuleError) -> [[SigmaFieldTest]] {
        if let mapping = node.mapping {
            return [try fieldTests(mapping)]
        }
        guard let sequence = node.sequence, !sequence.isEmpty else {
            throw reader.fail(node, "search '\(search)' must be a map of fields or a list of such maps")
        }
        var alternatives: [[SigmaFieldTest]] = []
        for item in sequence {
            guard let mapping = item.mapping else {
                throw reader.fail(item, "search '\(search)' lists values without a field (keyword searches are not in the subset)")
            }
            alternatives.append(try fieldTests(mapping))
        }
        return alternatives
    }

    private mutating func fieldTests(_ mapping: Node.Mapping) throws(SigmaRuleError) -> [SigmaFieldTest] {
        guard !mapping.isEmpty else { throw reader.fail(.mapping(mapping), "a search map needs at least one field") }
        var tests: [SigmaFieldTest] = []
        for (key, value) in mapping {
            guard let spec = key.scalar?.string else { throw reader.fail(key, "a field name must be text") }
            let parts = spec.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard let field = parts.first, !field.isEmpty else {
                throw reader.fail(key, "'\(spec)' has no field name (keyword searches are not in the subset)")
            }
            let modifiers = Array(parts.dropFirst())
            for modifier in modifiers where !Self.modifiers.contains(modifier) {
                throw reader.fail(key, "unsupported modifier '\(modifier)' (the subset has \(Self.modifiers.sorted().joined(separator: ", ")))")
            }
            guard Set(modifiers).count == modifiers.count else { throw reader.fail(key, "a modifier is given twice") }
            let test = try SigmaValueReader(reader: reader, key: key, modifiers: Set(modifiers))
                .test(values: try scalars(value))
            tests.append(SigmaFieldTest(field: SigmaText.foldedString(field), test: test))
        }
        return tests
    }

    /// A value or a list of values (never nested), counted against the reader's budget.
    private mutating func scalars(_ node: Node) throws(SigmaRuleError) -> [(Node, Node.Scalar)] {
        let items: [Node]
        if node.scalar != nil {
            items = [node]
        } else if let sequence = node.sequence, !sequence.isEmpty {
            items = Array(sequence)
        } else {
            throw reader.fail(node, "a field's value must be a value or a list of values")
        }
        visited += items.count
        guard visited <= SigmaRuleReader.maximumValues else {
            throw reader.fail(node, "the rule has more than \(SigmaRuleReader.maximumValues) values")
        }
        var scalars: [(Node, Node.Scalar)] = []
        for item in items {
            guard let scalar = item.scalar else { throw reader.fail(item, "a list of values cannot hold lists or maps") }
            scalars.append((item, scalar))
        }
        return scalars
    }
}
