/// Rules compiled for matching: each rule's condition and searches become a short list of operations over one
/// register (test a field, jump when false or true, negate), so a rule stops at its first deciding test, and every
/// part lives in flat arrays that matching reads through pointers, with no reference counting per test.
///
/// Each search is compiled once, apart (a condition may name it many times: `search k` runs it): a search of maps
/// `m1`, `m2` compiles to `test m1.f1; jumpIfFalse next; test m1.f2; jumpIfTrue end; next: test m2.f1; …; end:`.
/// A condition `x and y` compiles to `x; jumpIfFalse end; y; end:`, `or` likewise with `jumpIfTrue`, `not x` to
/// `x; not`. Jumps only go forward, so every rule ends.
struct SigmaProgram: Sendable {
    enum Code: UInt8, Sendable { case test, jumpIfFalse, jumpIfTrue, not, constant, search }

    struct Operation: Sendable {
        let code: Code
        let argument: Int32
    }

    struct FieldTest: Sendable {
        enum Kind: UInt8, Sendable { case any, all, exists, missing }
        let kind: Kind
        /// The event slot of the field; -1: looked up by name (an event made without a rule set).
        let slot: Int32
        let field: Int32
        /// `any`: the set; `all`: the first of `count` sets, one per value.
        let set: Int32
        let count: Int32
    }

    private(set) var operations: [Operation] = []
    /// The searches' own operations, and where each search's are.
    private(set) var searchOperations: [Operation] = []
    private(set) var searchRanges: [SigmaRange] = []
    /// Where each rule's operations start; a rule ends where the next starts.
    private(set) var starts: [Int32] = []
    private(set) var tests: [FieldTest] = []
    private(set) var sets: [SigmaValueSet] = []
    private(set) var fields: [String] = []
    private(set) var pools = SigmaValuePools()
    /// Per rule, the slots of which one must hold a value for it to match (`SigmaRequirement`); empty: none known.
    private(set) var requirements: [SigmaRange] = []
    private(set) var requiredSlots: [Int32] = []

    var ruleCount: Int { starts.count }

    /// Appends a rule; `slots` gives the event slot of each field a rule set reads (empty: by name).
    mutating func append(searches: [SigmaSearch], condition: SigmaCondition, slots: [String: Int]) {
        starts.append(Int32(operations.count))
        let first = searchRanges.count
        for search in searches { emit(search, slots: slots) }
        emit(condition, first: first, count: searches.count)
        let needed = SigmaRequirement.slots(condition, searches: searches, slots: slots) ?? []
        requirements.append(SigmaRange(start: Int32(requiredSlots.count), count: Int32(needed.count)))
        requiredSlots.append(contentsOf: needed.sorted())
    }

    /// `first`: the place in `searchRanges` of the rule's first search; `count`: how many it has.
    private mutating func emit(_ condition: SigmaCondition, first: Int, count: Int) {
        switch condition {
        case .search(let index):
            guard index < count else { return operations.append(Operation(code: .constant, argument: 0)) }
            operations.append(Operation(code: .search, argument: Int32(first + index)))
        case .not(let inner):
            emit(inner, first: first, count: count)
            operations.append(Operation(code: .not, argument: 0))
        case .and(let parts), .or(let parts):
            let isAnd = if case .and = condition { true } else { false }
            guard !parts.isEmpty else { return operations.append(Operation(code: .constant, argument: isAnd ? 1 : 0)) }
            let code: Code = isAnd ? .jumpIfFalse : .jumpIfTrue
            var exits: [Int] = []
            for (index, part) in parts.enumerated() {
                emit(part, first: first, count: count)
                if index < parts.count - 1 {
                    exits.append(operations.count)
                    operations.append(Operation(code: code, argument: 0))
                }
            }
            Self.patch(exits, in: &operations)
        }
    }

    private mutating func emit(_ search: SigmaSearch, slots: [String: Int]) {
        let start = searchOperations.count
        var ends: [Int] = []
        for (number, alternative) in search.alternatives.enumerated() {
            var misses: [Int] = []
            for (index, test) in alternative.enumerated() {
                let compiled = Operation(code: .test, argument: Int32(compile(test, slots: slots)))
                searchOperations.append(compiled)
                if index < alternative.count - 1 {
                    misses.append(searchOperations.count)
                    searchOperations.append(Operation(code: .jumpIfFalse, argument: 0))
                }
            }
            if number < search.alternatives.count - 1 {
                // The register holds the last test's answer: true ends the search matched, false tries the next map.
                ends.append(searchOperations.count)
                searchOperations.append(Operation(code: .jumpIfTrue, argument: 0))
            }
            Self.patch(misses, in: &searchOperations)
        }
        Self.patch(ends, in: &searchOperations)
        searchRanges.append(SigmaRange(start: Int32(start), count: Int32(searchOperations.count - start)))
    }

    /// Points the jumps at `places` to the next operation.
    private static func patch(_ places: [Int], in operations: inout [Operation]) {
        for place in places {
            operations[place] = Operation(code: operations[place].code, argument: Int32(operations.count))
        }
    }

    private mutating func compile(_ test: SigmaFieldTest, slots: [String: Int]) -> Int {
        let field = Int32(fields.count)
        fields.append(test.field)
        let slot = Int32(slots[test.field] ?? -1)
        let compiled: FieldTest
        if let wanted = test.exists {
            compiled = FieldTest(kind: wanted ? .exists : .missing, slot: slot, field: field, set: 0, count: 0)
        } else if test.all {
            compiled = FieldTest(kind: .all, slot: slot, field: field, set: Int32(sets.count), count: Int32(test.values.count))
            for value in test.values { sets.append(pools.add([value])) }
        } else {
            compiled = FieldTest(kind: .any, slot: slot, field: field, set: Int32(sets.count), count: 1)
            sets.append(pools.add(test.values))
        }
        tests.append(compiled)
        return tests.count - 1
    }
}
