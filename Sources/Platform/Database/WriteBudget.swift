import Synchronization

/// How long one SQLite write body may run before it is cancelled and rolled back.
///
/// One watch per drain of the write queue looks a few times per budget at the body that is running, instead of a
/// timer per body: a timer per write cost a wake-up of the timer thread and left a pending timer behind every write.
/// A body overrunning its budget is noticed within a quarter of the budget after its deadline and cancelled; it stops
/// when it next awaits something that honours cancellation (a statement, a sleep), and only then is it rolled back, so
/// nothing it wrote can land after its rollback. A body that ignores cancellation holds the writer until it returns.
final class WriteBudget: Sendable {
    struct Overran: Error {}

    private struct Running {
        let deadline: ContinuousClock.Instant
        let task: Task<any Sendable, any Error>
        var overran = false
    }

    let budget: Duration
    private let running = Mutex<Running?>(nil)

    init(_ budget: Duration) {
        self.budget = budget
    }

    /// Runs `body` as a task of its own (on `executor`, with the caller's task-local values), so the watch can cancel
    /// it. Throws `Overran` when the watch had to, whatever the body did afterwards: an overrun write is never kept.
    func run(on executor: (any TaskExecutor)?, _ body: @escaping @Sendable () async throws -> any Sendable) async throws -> any Sendable {
        let task = Task(executorPreference: executor) { try await body() }
        let deadline = ContinuousClock.now.advanced(by: budget)
        running.withLock { $0 = Running(deadline: deadline, task: task) }
        let result = await task.result
        let overran = running.withLock { running -> Bool in
            defer { running = nil }
            return running?.overran ?? false
        }
        if overran { throw Overran() }
        return try result.get()
    }

    /// Watches bodies until cancelled: one per drain of the write queue.
    func watch() -> Task<Void, Never> {
        let interval = budget / 4
        return Task { [self] in
            while true {
                do { try await Task.sleep(for: interval) } catch { return }
                cancelIfOverdue()
            }
        }
    }

    func cancelIfOverdue() {
        running.withLock { running in
            guard var current = running, !current.overran, current.deadline <= .now else { return }
            current.overran = true
            current.task.cancel()
            running = current
        }
    }
}
