import Foundation
import Platform

/// The rules in force, matched together: an event is prepared once (only the fields some rule reads) and every rule
/// runs over that. Immutable, so the ingest path shares one across threads and swaps it whole on reload.
public struct SigmaRuleSet: Sendable {
    public let rules: [SigmaRule]
    public let correlations: [SigmaCorrelation]
    /// For each correlation, the places in `rules` of the rules it counts.
    let counted: [[Int]]
    /// Rules counted by a correlation that does not `generate`: they raise no alert of their own.
    public let quiet: Set<Int>
    /// A slot for each field some rule or correlation reads: events keep those fields in an array.
    let slots: [String: Int]
    /// Every rule compiled into one program over the slots.
    private let program: SigmaProgram
    private let slotTable: SigmaSlotTable

    public init(_ rules: [SigmaRule]) {
        let slots = Self.slots(for: rules.reduce(into: Set<String>()) { $0.formUnion($1.fieldNames) })
        self.rules = rules.map { $0.bound(to: slots) }
        program = Self.program(rules, slots: slots)
        slotTable = SigmaSlotTable(slots)
        correlations = []
        counted = []
        quiet = []
        self.slots = slots
    }

    private static func slots(for fields: Set<String>) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: fields.sorted().enumerated().map { ($1, $0) })
    }

    func slot(of field: String) -> Int { slots[field] ?? -1 }

    private static func program(_ rules: [SigmaRule], slots: [String: Int]) -> SigmaProgram {
        var program = SigmaProgram()
        for rule in rules { program.append(searches: rule.searches, condition: rule.condition, slots: slots) }
        return program
    }

    /// Rules and correlations; each correlation's rules must be among `rules`, by name or id. Ids and names are
    /// unique across rules and correlations: hits, incidents and correlations find a rule by them, and two rules
    /// answering to one would count for each other.
    public init(_ file: SigmaRuleFile) throws(SigmaRuleError) {
        var byName: [String: Int] = [:]
        var owners: [String: String] = [:]
        func claim(_ key: String, _ file: String) throws(SigmaRuleError) {
            if let owner = owners[key] {
                throw SigmaRuleError(file: file, line: 1, reason: "'\(key)' is already the id or name of a rule in \(URL(fileURLWithPath: owner).lastPathComponent)")
            }
            owners[key] = file
        }
        for (index, rule) in file.rules.enumerated() {
            try claim(rule.id, rule.file)
            byName[rule.id] = index
            if let name = rule.name, name != rule.id {
                try claim(name, rule.file)
                byName[name] = index
            }
        }
        for correlation in file.correlations {
            try claim(correlation.id, correlation.file)
        }
        var counted: [[Int]] = []
        var quiet = Set<Int>()
        var wanted = file.rules.reduce(into: Set<String>()) { $0.formUnion($1.fieldNames) }
        for correlation in file.correlations {
            var places: [Int] = []
            for reference in correlation.references {
                guard let place = byName[reference] else {
                    throw SigmaRuleError(file: correlation.file, line: 1,
                                         reason: "correlation \(correlation.id) counts '\(reference)', which is no loaded rule's name or id")
                }
                places.append(place)
            }
            counted.append(places)
            if !correlation.generate { quiet.formUnion(places) }
            wanted.formUnion(correlation.groupBy)
            if let field = correlation.valueField { wanted.insert(field) }
        }
        let slots = Self.slots(for: wanted)
        rules = file.rules.map { $0.bound(to: slots) }
        program = Self.program(file.rules, slots: slots)
        slotTable = SigmaSlotTable(slots)
        correlations = file.correlations
        self.counted = counted
        self.quiet = quiet
        self.slots = slots
    }

    public func prepare(_ fields: [String: JSONValue]) -> SigmaEvent {
        SigmaEvent(fields: fields, slots: slots)
    }

    /// Reads one ECS NDJSON line straight into an event for these rules; refused as `ECSLine` refuses it, and when
    /// two names differ only in case.
    public func prepare(line: [UInt8]) throws(ECSLine.Failure) -> SigmaEvent {
        var reader = lineReader()
        return try reader.read(line)
    }

    /// A reader of ECS NDJSON lines for these rules, to keep for a stream of lines.
    public func lineReader() -> ECSEventReader {
        ECSEventReader(table: slotTable, slots: slots)
    }

    /// The places in `rules` of the rules the event matches, in rule order.
    public func matches(_ fields: [String: JSONValue]) -> [Int] {
        matches(prepare(fields))
    }

    public func matches(_ event: SigmaEvent) -> [Int] {
        program.matchingRules(event)
    }
}
