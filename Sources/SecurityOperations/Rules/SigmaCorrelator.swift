import Metrics
import Synchronization

/// Correlation rules evaluated as events stream in. Per correlation it keeps, for each group of field values, only
/// what the condition needs (the last N times, the N values seen, each rule's last time), drops what left the
/// timespan, and holds a bounded number of groups: past the bound the stalest groups go first, counted. A group that
/// fires starts again empty, so a burst raises one alert, not one per event after the threshold.
public final class SigmaCorrelator: Sendable {
    public struct Firing: Sendable, Equatable {
        public let correlation: Int
        /// The group's values by field, as the event had them.
        public let group: [String: String]
    }

    enum GroupState {
        case times([Int64])
        case values([String: Int64])
        case lastSeen([Int64?])

        var newest: Int64 {
            switch self {
            case .times(let times): times.last ?? .min
            case .values(let values): values.values.max() ?? .min
            case .lastSeen(let times): times.compactMap { $0 }.max() ?? .min
            }
        }
    }

    public static let maximumGroups = 50_000
    /// Times or values held per correlation across its groups.
    static let maximumHeld = 1_000_000

    let ruleSet: SigmaRuleSet
    private let state: Mutex<[[String: GroupState]]>
    private let evicted = Counter(label: "hues_soc_correlation_groups_evicted_total")

    public init(ruleSet: SigmaRuleSet) {
        self.ruleSet = ruleSet
        state = Mutex(Array(repeating: [:], count: ruleSet.correlations.count))
    }

    public func groupCount(_ correlation: Int) -> Int { state.withLock { $0[correlation].count } }

    /// Feeds one event and the rules it matched; the correlations that fire on it. `scope` keeps groups apart beyond
    /// their fields (the SOC passes the event's unit, so one unit's sender can neither complete nor feed another
    /// unit's count).
    public func observe(_ event: SigmaEvent, matched: [Int], atMs: Int64, scope: String = "") -> [Firing] {
        guard !ruleSet.correlations.isEmpty, !matched.isEmpty else { return [] }
        var firings: [Firing] = []
        for (index, correlation) in ruleSet.correlations.enumerated() {
            let counted = ruleSet.counted[index]
            let hits = counted.indices.filter { matched.contains(counted[$0]) }
            guard !hits.isEmpty else { continue }
            var group: [String: String] = [:]
            for field in correlation.groupBy {
                group[field] = event.value(field, slot: ruleSet.slot(of: field)).map { String($0.prefix(255)) } ?? ""
            }
            let key = ([scope] + correlation.groupBy.map { group[$0] ?? "" }).joined(separator: "\u{0}")
            let value = correlation.valueField.flatMap { event.value($0, slot: ruleSet.slot(of: $0)).map { String($0.prefix(255)) } }
            let fired = state.withLock { groups in
                step(&groups[index], key: key, correlation: correlation, hits: hits, value: value, atMs: atMs)
            }
            if fired { firings.append(Firing(correlation: index, group: group)) }
        }
        return firings
    }

    private func step(_ groups: inout [String: GroupState], key: String, correlation: SigmaCorrelation, hits: [Int],
                      value: String?, atMs: Int64) -> Bool {
        let window = Int64(correlation.timespanSeconds) * 1000
        let since = atMs - window
        if groups[key] == nil { makeRoom(in: &groups, for: correlation, since: since) }
        var fired = false
        switch (correlation.kind, groups[key]) {
        case (.eventCount, let held):
            var times: [Int64] = if case .times(let times)? = held { times.filter { $0 >= since } } else { [] }
            let place = times.firstIndex { $0 > atMs } ?? times.endIndex
            times.insert(atMs, at: place)
            if times.count > correlation.threshold { times.removeFirst(times.count - correlation.threshold) }
            // Within one timespan: a late event among earlier ones must not complete a count no window holds.
            fired = times.count >= correlation.threshold && times[times.count - 1] - times[times.count - correlation.threshold] <= window
            groups[key] = fired ? nil : .times(times)
        case (.valueCount, let held):
            guard let value else { return false }
            var values: [String: Int64] = if case .values(let values)? = held { values.filter { $0.value >= since } } else { [:] }
            values[value] = max(values[value] ?? .min, atMs)
            fired = values.count >= correlation.threshold
            groups[key] = fired ? nil : .values(values)
        case (.temporal, let held):
            var seen: [Int64?] = if case .lastSeen(let seen)? = held { seen } else {
                Array(repeating: nil, count: correlation.references.count)
            }
            for hit in hits where hit < seen.count { seen[hit] = max(seen[hit] ?? .min, atMs) }
            fired = seen.allSatisfy { $0.map { $0 >= since } ?? false }
            groups[key] = fired ? nil : .lastSeen(seen)
        }
        return fired
    }

    /// Before a new group, when full: drop the groups that left the timespan, then the stalest until a tenth of the
    /// room is free. Freeing a tenth at once keeps the sweep rare: a sender whose every new group finds just one stale
    /// group would otherwise make each event sweep all 50,000.
    private func makeRoom(in groups: inout [String: GroupState], for correlation: SigmaCorrelation, since: Int64) {
        let limit = min(Self.maximumGroups, max(100, Self.maximumHeld / max(1, correlation.threshold)))
        guard groups.count >= limit else { return }
        groups = groups.filter { $0.value.newest >= since }
        let target = limit - max(1, limit / 10)
        guard groups.count > target else { return }
        let stalest = groups.sorted { $0.value.newest < $1.value.newest }.prefix(groups.count - target)
        for (key, _) in stalest { groups[key] = nil }
        evicted.increment(by: Int64(stalest.count))
    }
}
