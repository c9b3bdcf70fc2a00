/// A detection rule in the Sigma subset the platform runs: named searches over an event's fields and a condition
/// that combines them. Compiled once at load; matching an event allocates nothing per rule.
public struct SigmaRule: Sendable {
    public enum Level: String, Sendable, CaseIterable, Comparable {
        case informational, low, medium, high, critical

        var rank: Int {
            switch self {
            case .informational: 0
            case .low: 1
            case .medium: 2
            case .high: 3
            case .critical: 4
            }
        }

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }
    }

    public let id: String
    /// What correlation rules call it by (besides its id).
    public let name: String?
    public let title: String
    public let level: Level
    public let status: String?
    public let description: String?
    /// The Detection Rule License asks that alerts name the rule's author.
    public let author: String?
    public let tags: [String]
    /// Where it was loaded from, for messages and the rule list.
    public let file: String
    let searches: [SigmaSearch]
    let condition: SigmaCondition
    /// The rule compiled alone: fields by name, or by slot once bound to a rule set's slots.
    private(set) var program: SigmaProgram

    init(id: String, name: String?, title: String, level: Level, status: String?, description: String?, author: String?,
         tags: [String], file: String, searches: [SigmaSearch], condition: SigmaCondition) {
        (self.id, self.name, self.title, self.level, self.status) = (id, name, title, level, status)
        (self.description, self.author, self.tags, self.file) = (description, author, tags, file)
        (self.searches, self.condition) = (searches, condition)
        program = SigmaProgram()
        program.append(searches: searches, condition: condition, slots: [:])
    }

    /// Whether the event matches the rule.
    public func matches(_ event: SigmaEvent) -> Bool { program.matches(rule: 0, event) }

    /// The rule with each field test pointing at the slot a rule set keeps its field in.
    func bound(to slots: [String: Int]) -> SigmaRule {
        var copy = self
        copy.program = SigmaProgram()
        copy.program.append(searches: searches, condition: condition, slots: slots)
        return copy
    }

    /// The lower-cased field names the rule reads: an event needs only these prepared.
    var fieldNames: Set<String> {
        Set(searches.flatMap { $0.alternatives.flatMap { $0.map(\.field) } })
    }
}

/// Why a rule file was refused, with the place in it, as an analyst fixing the file needs it.
public struct SigmaRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    public let reason: String

    public init(file: String, line: Int, column: Int = 1, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String { "\(file):\(line):\(column): \(reason)" }
}
