/// A first-come, first-served async lock.
///
/// SQLite allows one writer at a time; taking this gate before `BEGIN` turns what would be busy-retries and
/// upgrade deadlocks between pooled connections into an orderly queue.
actor AsyncGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
