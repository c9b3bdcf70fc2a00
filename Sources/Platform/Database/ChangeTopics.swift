import Foundation
import Synchronization

/// How many events of each kind one database has had committed: a cached answer is current while the counts of its
/// topics have not moved, and live streams hear of each kind as it commits. `EventLog.append` notes each event's type
/// in the write it belongs to (`Pending`), and `PlatformDatabase.write` counts them once the commit has returned, so
/// an answer read before the commit can never be taken for current after it. Other instances' commits arrive through
/// `ChangeBroadcast` (PostgreSQL NOTIFY). No module knows the cache.
public final class ChangeTopics: Sendable {
    /// The event types written by one write body, counted only if it commits.
    final class Pending: Sendable {
        let types = Mutex<Set<String>>([])
        func note(_ type: String) { types.withLock { _ = $0.insert(type) } }
    }

    /// Someone following commits live: the event types, as they commit anywhere.
    public struct Subscription: Sendable {
        public let id: UUID
        public let types: AsyncStream<String>
    }

    @TaskLocal static var pending: Pending?

    /// Notes a change of `topic` in the write running now, for changes that are not events (sensor readings arrive
    /// by the thousand a second and are not worth a hash-chained entry each, but screens still follow them).
    /// Outside `PlatformDatabase.write` it does nothing.
    public static func noteChange(_ topic: String) { pending?.note(topic) }
    private let counts = Mutex<[Substring: UInt64]>([:])
    /// Moves when commits may have been missed (the link to the other instances was down): every answer is stale.
    private let epoch = Atomic<UInt64>(0)
    /// Live followers by the topic they follow, so a commit wakes only its own topics' followers, however many
    /// streams are open.
    private let subscribers = Mutex<[String: [UUID: AsyncStream<String>.Continuation]]>([:])
    /// Types committed here and not yet told to the other instances (nil: there are no others to tell).
    private let outbox = Mutex<Set<String>?>(nil)

    public init() {}

    func commit(_ pending: Pending) {
        let types = pending.types.withLock { $0 }
        guard !types.isEmpty else { return }
        for type in types { bump(type) }
        outbox.withLock { outbox in if outbox != nil { outbox?.formUnion(types) } }
    }

    /// Commits another instance made.
    func received(_ types: some Sequence<String>) {
        for type in types { bump(type) }
    }

    /// Counts the event under each of its dotted prefixes: `public-services.procedure.published` moves
    /// `public-services`, `public-services.procedure` and the full type; then tells the live streams.
    func bump(_ eventType: String) {
        let dots = eventType.indices.filter { eventType[$0] == "." }
        let topics = dots.map { eventType[..<$0] } + [Substring(eventType)]
        counts.withLock { counts in for topic in topics { counts[topic, default: 0] &+= 1 } }
        // Only to those following one of its topics; erasures and other personal-data bookkeeping never travel.
        guard !eventType.contains(".personal-data.") else { return }
        let following = subscribers.withLock { subscribers in topics.flatMap { subscribers[String($0)].map { Array($0.values) } ?? [] } }
        for continuation in following { continuation.yield(eventType) }
    }

    /// Every kept answer is stale from now on (commits may have been missed).
    func invalidateAll() {
        epoch.add(1, ordering: .relaxed)
    }

    /// Where the counts of `topics` stand: an answer made at one generation is stale once it moves.
    public func generation(_ topics: [String]) -> [UInt64] { snapshot(topics) }

    func snapshot(_ topics: [String]) -> [UInt64] {
        counts.withLock { counts in topics.map { counts[Substring($0)] ?? 0 } } + [epoch.load(ordering: .relaxed)]
    }

    /// Follows commits of `topics` live; the newest 256 types are kept for a slow reader, older ones dropped.
    public func subscribe(to topics: [String]) -> Subscription {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        // A stream asking for a topic and one inside it would hear an event twice: each topic once is enough.
        subscribers.withLock { subscribers in for topic in Set(topics) { subscribers[topic, default: [:]][id] = continuation } }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return Subscription(id: id, types: stream)
    }

    public func unsubscribe(_ id: UUID) {
        let removed = subscribers.withLock { subscribers -> AsyncStream<String>.Continuation? in
            var found: AsyncStream<String>.Continuation?
            for topic in Array(subscribers.keys) {
                if let continuation = subscribers[topic]?.removeValue(forKey: id) { found = continuation }
                if subscribers[topic]?.isEmpty == true { subscribers[topic] = nil }
            }
            return found
        }
        removed?.finish()
    }

    /// From now on, commits made here are kept for `takeOutbox` (there are other instances to tell).
    func startOutbox() {
        outbox.withLock { if $0 == nil { $0 = [] } }
    }

    func putBack(_ types: Set<String>) {
        outbox.withLock { outbox in if outbox != nil { outbox?.formUnion(types) } }
    }

    func takeOutbox() -> Set<String> {
        outbox.withLock { outbox in
            let types = outbox ?? []
            if outbox != nil { outbox = [] }
            return types
        }
    }
}
