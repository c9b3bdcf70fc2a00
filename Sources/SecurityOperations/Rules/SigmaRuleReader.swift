import Yams

/// Reads a composed YAML document as a rule of the subset; each refusal names the line of the offending node.
struct SigmaRuleReader {
    let file: String
    /// libyaml shares an anchored node wherever an alias names it, so a small file can describe a huge tree; the
    /// reader counts what it visits and stops.
    static let maximumValues = 20_000

    func fail(_ node: Node?, _ reason: String) -> SigmaRuleError {
        SigmaRuleError(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, reason: reason)
    }

    /// One document: a detection rule or a correlation, added to `file`.
    func read(_ root: Node, into file: inout SigmaRuleFile) throws(SigmaRuleError) {
        guard let top = root.mapping else { throw fail(root, "a rule is a YAML mapping (title, id, detection…)") }
        let entries = try keyed(top)
        if entries["correlation"] != nil {
            file.correlations.append(try correlation(entries, root: root))
        } else {
            file.rules.append(try rule(entries, root: root))
        }
    }

    private func rule(_ entries: [String: (key: Node, value: Node)], root: Node) throws(SigmaRuleError) -> SigmaRule {
        guard let title = try text(entries["title"]?.value, "title"), !title.isEmpty else {
            throw fail(root, "a rule needs a title")
        }
        guard let id = try text(entries["id"]?.value, "id"), (1...128).contains(id.utf8.count) else {
            throw fail(entries["id"]?.value ?? root, "a rule needs an id (1 to 128 characters): alerts name it")
        }
        let level = try self.level(entries["level"]?.value)
        guard let detection = entries["detection"] else { throw fail(root, "a rule needs a detection") }
        var detectionReader = SigmaDetectionReader(reader: self)
        let (searches, condition) = try detectionReader.read(detection.value)
        let name = try text(entries["name"]?.value, "name")
        return SigmaRule(
            id: id, name: name, title: title, level: level,
            status: try text(entries["status"]?.value, "status"),
            description: try text(entries["description"]?.value, "description"),
            author: try text(entries["author"]?.value, "author"),
            tags: try list(entries["tags"]?.value, "tags"),
            file: file, searches: searches, condition: condition)
    }

    /// A mapping's entries by their key text; a key given twice is refused (YAML says keys are unique).
    func keyed(_ mapping: Node.Mapping) throws(SigmaRuleError) -> [String: (key: Node, value: Node)] {
        var entries: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw fail(key, "a key must be plain text") }
            guard entries[name] == nil else { throw fail(key, "'\(name)' is given twice") }
            entries[name] = (key, value)
        }
        return entries
    }

    func text(_ node: Node?, _ name: String) throws(SigmaRuleError) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else { throw fail(node, "'\(name)' must be text") }
        return scalar.string
    }

    func list(_ node: Node?, _ name: String) throws(SigmaRuleError) -> [String] {
        guard let node else { return [] }
        guard let sequence = node.sequence else { throw fail(node, "'\(name)' must be a list") }
        var items: [String] = []
        for item in sequence {
            guard let scalar = item.scalar else { throw fail(item, "each of '\(name)' must be text") }
            items.append(scalar.string)
        }
        return items
    }

    func level(_ node: Node?) throws(SigmaRuleError) -> SigmaRule.Level {
        guard let node else { return .medium }
        guard let name = node.scalar?.string, let level = SigmaRule.Level(rawValue: name.lowercased()) else {
            let names = SigmaRule.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw fail(node, "the level must be one of \(names)")
        }
        return level
    }
}
