/// A first-come, first-served async semaphore: at most `permits` holders at once, the rest wait in order, and
/// past `maxWaiting` waiters new callers are turned away instead of queueing without end.
///
/// SQLite allows one writer at a time (one permit): taking it before `BEGIN` turns busy-retries and upgrade deadlocks
/// between pooled connections into an orderly queue. Outside tools (the photo resizer) take a few permits, so a burst
/// of uploads cannot start a process per request.
public actor AsyncSemaphore {
    public struct Full: Error {}

    private var available: Int
    private let maxWaiting: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(permits: Int, maxWaiting: Int = .max) {
        self.available = max(permits, 1)
        self.maxWaiting = maxWaiting
    }

    public func acquire() async throws(Full) {
        if available > 0 {
            available -= 1
            return
        }
        guard waiters.count < maxWaiting else { throw Full() }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Runs `body` holding a permit, released however it ends.
    public nonisolated func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
