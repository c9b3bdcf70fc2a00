import Synchronization

/// Valid Open311 keys already looked up, so a client posting all day costs no database read per request.
///
/// Every entry carries the generation of `field-reports.open311-client` events it was read at; any such event
/// (a key created or revoked, here or on another instance) moves the generation and empties the cache, so a revoked
/// key is refused from the next request on (on other instances once their commit is told, about 0.1 s). Unknown
/// keys are never kept: junk cannot fill the memory, and at most `capacity` keys are.
final class Open311KeyCache: Sendable {
    static let topic = "field-reports.open311-client"

    private struct State {
        var generation: [UInt64] = []
        var clients: [String: Open311Clients.Client] = [:]
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 1_000) {
        self.capacity = capacity
    }

    func client(digest: String, at generation: [UInt64]) -> Open311Clients.Client? {
        state.withLock { state in
            guard state.generation == generation else { return nil }
            return state.clients[digest]
        }
    }

    /// Keeps a client read at `generation` (taken before the read), unless the events have moved on since.
    func keep(_ client: Open311Clients.Client, digest: String, readAt generation: [UInt64], current: [UInt64]) {
        state.withLock { state in
            guard generation == current else { return }
            if state.generation != generation { state = State(generation: generation) }
            guard state.clients.count < capacity || state.clients[digest] != nil else { return }
            state.clients[digest] = client
        }
    }
}
