import Yams

/// Reads a correlation document: `correlation:` with `type`, `rules`, `group-by`, `timespan` and (for the counts)
/// `condition`; what streaming cannot evaluate (`lt`, `lte`, `eq`, field aliases, chained correlations) is refused.
extension SigmaRuleReader {
    func correlation(_ entries: [String: (key: Node, value: Node)], root: Node) throws(SigmaRuleError) -> SigmaCorrelation {
        guard let title = try text(entries["title"]?.value, "title"), !title.isEmpty else { throw fail(root, "a rule needs a title") }
        guard let id = try text(entries["id"]?.value, "id"), (1...128).contains(id.utf8.count) else {
            throw fail(entries["id"]?.value ?? root, "a rule needs an id (1 to 128 characters): alerts name it")
        }
        guard let body = entries["correlation"], let mapping = body.value.mapping else {
            throw fail(root, "'correlation' must be a mapping")
        }
        let fields = try keyed(mapping)
        if let aliases = fields["aliases"] { throw fail(aliases.key, "field aliases are not in the subset") }
        guard let typeName = try text(fields["type"]?.value, "type"), let kind = SigmaCorrelation.Kind(rawValue: typeName) else {
            throw fail(fields["type"]?.value ?? body.value, "the correlation type must be event_count, value_count or temporal")
        }
        let references = try names(fields["rules"]?.value, "rules", at: body.value)
        let groupBy = try names(fields["group-by"]?.value, "group-by", at: body.value, optional: true)
        let timespan = try self.timespan(fields["timespan"]?.value, at: body.value)
        var threshold = 1
        var valueField: String? = nil
        if kind != .temporal {
            (threshold, valueField) = try condition(fields["condition"]?.value, kind: kind, at: body.value)
        } else if references.count < 2 {
            throw fail(body.value, "a temporal correlation names at least two rules")
        }
        let generate = try flag(fields["generate"]?.value)
        return SigmaCorrelation(id: id, title: title, level: try level(entries["level"]?.value),
                                author: try text(entries["author"]?.value, "author"), tags: try list(entries["tags"]?.value, "tags"),
                                file: file, kind: kind, references: references, groupBy: groupBy.map(SigmaText.foldedString),
                                timespanSeconds: timespan, threshold: threshold, valueField: valueField, generate: generate)
    }

    private func names(_ node: Node?, _ name: String, at place: Node, optional: Bool = false) throws(SigmaRuleError) -> [String] {
        guard let node else {
            if optional { return [] }
            throw fail(place, "a correlation needs '\(name)'")
        }
        if let scalar = node.scalar, !scalar.string.isEmpty { return [scalar.string] }
        let items = try list(node, name)
        guard !items.isEmpty, items.count <= 32, items.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 128 }) else {
            throw fail(node, "'\(name)' lists 1 to 32 names")
        }
        return items
    }

    private func timespan(_ node: Node?, at place: Node) throws(SigmaRuleError) -> Int {
        guard let text = try text(node, "timespan"), let unit = text.last, text.count >= 2, text.count <= 8,
              let amount = Int(text.dropLast()), amount > 0 else {
            throw fail(node ?? place, "the timespan is a number and a unit (s, m, h, d), such as 5m")
        }
        let scale: Int
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3_600
        case "d": scale = 86_400
        default: throw fail(node ?? place, "the timespan's unit is s, m, h or d")
        }
        let (seconds, overflow) = amount.multipliedReportingOverflow(by: scale)
        guard !overflow, seconds <= SigmaCorrelation.maximumTimespanSeconds else {
            throw fail(node ?? place, "the timespan is at most 31 days")
        }
        return seconds
    }

    /// `{gte: 10}` (event_count) or `{field: user.name, gte: 5}` (value_count), as the smallest count that fires.
    private func condition(_ node: Node?, kind: SigmaCorrelation.Kind, at place: Node) throws(SigmaRuleError) -> (Int, String?) {
        guard let node, let mapping = node.mapping else { throw fail(node ?? place, "a count correlation needs a condition such as {gte: 10}") }
        let entries = try keyed(mapping)
        var field: String? = nil
        if kind == .valueCount {
            guard let name = try text(entries["field"]?.value, "field"), !name.isEmpty else {
                throw fail(node, "a value_count condition names the 'field' whose values are counted")
            }
            field = SigmaText.foldedString(name)
        }
        for refused in ["lt", "lte", "eq", "neq"] where entries[refused] != nil {
            throw fail(entries[refused]?.key, "'\(refused)' cannot be decided as events stream in; use gt or gte")
        }
        let bound: (Node, Int)
        if let gte = entries["gte"] { bound = (gte.value, 0) } else if let gt = entries["gt"] { bound = (gt.value, 1) } else {
            throw fail(node, "the condition needs gt or gte")
        }
        guard let scalar = bound.0.scalar, scalar.string.utf8.count <= 6, let value = Int(scalar.string), value >= 0,
              value + bound.1 <= SigmaCorrelation.maximumThreshold else {
            throw fail(bound.0, "the count is a whole number up to \(SigmaCorrelation.maximumThreshold)")
        }
        return (max(1, value + bound.1), field)
    }

    private func flag(_ node: Node?) throws(SigmaRuleError) -> Bool {
        guard let node else { return false }
        guard SigmaValueReader.kind(node) == .bool, let value = node.bool else { throw fail(node, "'generate' is true or false") }
        return value
    }
}
