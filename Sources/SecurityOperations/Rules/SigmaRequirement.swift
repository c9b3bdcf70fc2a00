/// Which fields a rule cannot match without: for most events most rules are about other sources (a proxy rule on
/// a Windows logon), and one look at the event's slots skips them before any test runs.
///
/// The answer is a set of slots at least one of which must hold a value, or nil when the rule might match with
/// every field missing (a `not`, a `null` value, `exists: false`). A map needs each of its present-requiring
/// fields, so one of them stands for it; a search or an `or` needs one of its parts' sets; an `and` needs any one of
/// its parts' (the smallest is kept).
enum SigmaRequirement {
    static func slots(_ condition: SigmaCondition, searches: [SigmaSearch], slots: [String: Int]) -> Set<Int32>? {
        switch condition {
        case .search(let index):
            guard index < searches.count else { return nil }
            return search(searches[index], slots: slots)
        case .not:
            return nil
        case .and(let parts):
            return parts.compactMap { self.slots($0, searches: searches, slots: slots) }.min { $0.count < $1.count }
        case .or(let parts):
            var union = Set<Int32>()
            for part in parts {
                guard let needed = self.slots(part, searches: searches, slots: slots) else { return nil }
                union.formUnion(needed)
            }
            return union
        }
    }

    private static func search(_ search: SigmaSearch, slots: [String: Int]) -> Set<Int32>? {
        var union = Set<Int32>()
        for alternative in search.alternatives {
            guard let test = alternative.first(where: needsValue), let slot = slots[test.field] else { return nil }
            union.insert(Int32(slot))
        }
        return union
    }

    /// Whether the test fails on a missing field.
    private static func needsValue(_ test: SigmaFieldTest) -> Bool {
        if let wanted = test.exists { return wanted }
        let null = test.values.contains { if case .null = $0 { true } else { false } }
        // Any of the values: a null among them matches a missing field. Every one of them (`all`): a missing field
        // fails at the first value that is not null.
        return test.all ? test.values.contains { if case .null = $0 { false } else { true } } : !null
    }
}
