/// A Sigma correlation rule: matches of other rules counted per group of field values within a timespan.
/// `event_count`: at least N matching events; `value_count`: at least N distinct values of a field; `temporal`: every
/// listed rule matched. Evaluated as events stream in (`SigmaCorrelator`), never by querying stored events.
public struct SigmaCorrelation: Sendable {
    public enum Kind: String, Sendable { case eventCount = "event_count", valueCount = "value_count", temporal }

    public let id: String
    public let title: String
    public let level: SigmaRule.Level
    public let author: String?
    public let tags: [String]
    public let file: String
    public let kind: Kind
    /// The rules counted, by their `name` or `id`.
    public let references: [String]
    /// Folded field names the events are grouped by.
    let groupBy: [String]
    public let timespanSeconds: Int
    /// The count that fires it: more than (`gt`) or at least (`gte`) this many.
    let threshold: Int
    /// For `value_count`: the folded field whose distinct values are counted.
    let valueField: String?
    /// Whether the counted rules still raise their own alerts.
    public let generate: Bool

    /// Streaming keeps per group what the condition needs; a count above this is refused at load.
    static let maximumThreshold = 10_000
    static let maximumTimespanSeconds = 31 * 86_400
}

/// A rule file's documents: detection rules and correlations (a correlation usually follows its base rule, `---`).
public struct SigmaRuleFile: Sendable {
    public var rules: [SigmaRule] = []
    public var correlations: [SigmaCorrelation] = []
}
