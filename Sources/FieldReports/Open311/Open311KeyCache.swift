import Synchronization

/// Valid Open311 keys already looked up, so a client posting all day costs no database read per request.
///
/// Every entry carries the generation of `field-reports.open311-client` events it was read at; any such event
/// (a key created or revoked, here or on another instance) moves the generation and empties the cache, so a revoked
/// key is refused from the next request on (on other instances once their commit is told, about 0.1 s). A revocation
/// no server hears of (from `hues reports revoke-key`, a restored backup, an instance dying before it told the others)
/// takes effect when the entry's `lifetime` ends: 10 s, one read per key and 10 s. Unknown keys are never kept: junk
/// cannot fill the memory, and at most `capacity` keys are.
final class Open311KeyCache: Sendable {
    static let topic = "field-reports.open311-client"

    private struct State {
        var generation: [UInt64] = []
        var clients: [String: (client: Open311Clients.Client, until: ContinuousClock.Instant)] = [:]
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let lifetime: Duration

    init(capacity: Int = 1_000, lifetime: Duration = .seconds(10)) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    func client(digest: String, at generation: [UInt64], now: ContinuousClock.Instant = .now) -> Open311Clients.Client? {
        state.withLock { state in
            guard state.generation == generation, let kept = state.clients[digest], kept.until > now else { return nil }
            return kept.client
        }
    }

    /// Keeps a client read at `generation` (taken before the read, as is `readAt`), unless the events have moved on.
    func keep(_ client: Open311Clients.Client, digest: String, readAt generation: [UInt64], current: [UInt64],
              at moment: ContinuousClock.Instant = .now) {
        state.withLock { state in
            guard generation == current else { return }
            if state.generation != generation { state = State(generation: generation) }
            if state.clients.count >= capacity, state.clients[digest] == nil { state.clients = state.clients.filter { $0.value.until > moment } }
            guard state.clients.count < capacity || state.clients[digest] != nil else { return }
            state.clients[digest] = (client, moment.advanced(by: lifetime))
        }
    }
}
