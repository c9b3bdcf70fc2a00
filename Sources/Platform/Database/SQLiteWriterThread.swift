import Dispatch
import NIOPosix

/// The SQLite writer's one thread, used both by SQLiteNIO to run the writer connection's statements and as the
/// executor of the task that drains write batches.
///
/// Why: each statement SQLiteNIO runs is handed to a thread-pool thread and its answer handed back to the task, two
/// thread wake-ups per statement, and a filing runs a dozen statements. Profiles of Open311 POSTs spent more time in
/// those wake-ups and context switches than in SQLite. When the batch's task runs on the very thread that runs its
/// statements, handing a statement over and getting its answer back are queue operations on one thread, and nothing
/// has to be woken.
final class SQLiteWriterThread: TaskExecutor {
    let pool: NIOThreadPool

    init() {
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pool.submit { state in
            guard case .active = state else {
                // After shutdown the pool calls back at once, inside `enqueue` on the enqueuer's stack, where running
                // the job would break the executor's contract: it runs elsewhere, so no write waits forever.
                DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
                return
            }
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
