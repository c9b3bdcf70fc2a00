import Synchronization

/// Wakes a background loop before its interval ends: whoever has news rings, the loop waits for the next ring or
/// the interval, whichever comes first. Rings while nobody waits are kept as one, so news that arrives during a round
/// brings the next round at once and a burst of news brings one round, not one each.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next ring (at once if one came since the last wait), when `interval` has passed, or when the
    /// waiting task is cancelled.
    func wait(upTo interval: Duration) async {
        let timer = Task { [weak self] in
            do {
                try await Task.sleep(for: interval)
                self?.ring()
            } catch {
                // Cancelled: the wait ended before the interval did.
            }
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ringing = state.withLock { state -> Bool in
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    // One loop waits on its own bell; a second waiter would strand the first.
                    precondition(state.waiter == nil, "a doorbell has one waiter")
                    state.waiter = continuation
                    return false
                }
                if ringing { continuation.resume() }
            }
        } onCancel: {
            ring()
        }
    }
}
