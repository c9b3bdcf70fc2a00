import Platform

/// The rules in force, matched together: an event is prepared once (only the fields some rule reads) and every rule
/// runs over that. Immutable, so the ingest path shares one across threads and swaps it whole on reload.
public struct SigmaRuleSet: Sendable {
    public let rules: [SigmaRule]
    private let wanted: Set<String>

    public init(_ rules: [SigmaRule]) {
        self.rules = rules
        wanted = rules.reduce(into: Set<String>()) { $0.formUnion($1.fieldNames) }
    }

    public func prepare(_ fields: [String: JSONValue]) -> SigmaEvent {
        SigmaEvent(fields: fields, wanted: wanted)
    }

    /// The places in `rules` of the rules the event matches, in rule order.
    public func matches(_ fields: [String: JSONValue]) -> [Int] {
        let event = prepare(fields)
        return rules.indices.filter { rules[$0].matches(event) }
    }
}
