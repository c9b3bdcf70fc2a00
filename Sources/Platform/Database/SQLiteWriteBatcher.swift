import FluentKit
import Logging
import Metrics
import SQLKit

/// Group commit for SQLite: writers that arrive while a commit is running are gathered into the next transaction,
/// so a burst of writes pays for one fsync instead of one each.
///
/// Each caller's body runs inside its own savepoint: a body that throws, breaks a constraint or overruns its budget
/// is rolled back alone and its caller gets its own error, while the rest of the batch commits. Nobody is answered
/// before the `COMMIT` holding their write has returned, so an answer still means the write is on disk
/// (`synchronous=FULL`, SQLite's default, which the platform never lowers). Bodies run one after another on the
/// writer's connection, so the event-log entries of a batch chain in the order the bodies ran.
actor SQLiteWriteBatcher {
    typealias Body = @Sendable (any Database) async throws -> any Sendable

    private struct Job {
        let body: Body
        let logger: Logger
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private static let batchSize = Recorder(label: "hues_db_write_batch_size")

    private let connection: @Sendable (Logger) throws -> any Database
    private let budget: WriteBudget
    private let maxBatch: Int
    /// Where batches run: the thread that runs the writer connection's statements (`SQLiteWriterThread`), or nil.
    private let executor: (any TaskExecutor)?
    /// Copies the write-ahead log into the database file after commits, in the background; nil: each commit that
    /// takes the log past 1,000 pages does so itself (SQLite's default; in memory there is no log).
    private let checkpointer: SQLiteCheckpointer?
    private var pending: [Job] = []
    private var draining = false
    private var writerConnectionPrepared = false
    /// Transactions committed or attempted so far, and callers waiting for the next one (for tests and metrics).
    private(set) var batches = 0
    var waiting: Int { pending.count }

    /// - Parameters:
    ///   - connection: the writer's own handle (one connection, never shared with readers).
    ///   - budget: how long one body may run before it is cancelled and rolled back, so a stuck caller (one awaiting
    ///     something outside the database, which a write body must not do) holds its batch up about this much, as
    ///     long as what it awaits honours cancellation (see `WriteBudget`). A safety net, not a latency target.
    ///   - executor: the writer connection's own thread, so a body's statements need no hand-over between threads.
    init(budget: Duration = .seconds(10), maxBatch: Int = 256, executor: (any TaskExecutor)? = nil, checkpointer: SQLiteCheckpointer? = nil,
         connection: @escaping @Sendable (Logger) throws -> any Database) {
        self.connection = connection
        self.executor = executor
        self.checkpointer = checkpointer
        self.budget = WriteBudget(budget)
        self.maxBatch = max(1, maxBatch)
    }

    func submit(logger: Logger, _ body: @escaping Body) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Job(body: body, logger: logger, continuation: continuation))
            if !draining {
                draining = true
                Task(executorPreference: executor) { await self.drain() }
            }
        }
    }

    /// Runs batches until nobody is waiting. Callers arriving during a commit queue for the next batch.
    private func drain() async {
        let watch = budget.watch()
        defer { watch.cancel() }
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            Self.batchSize.record(batch.count)
            batches += 1
            await commit(batch)
            checkpointer?.committed()
        }
        draining = false
    }

    private func commit(_ batch: [Job]) async {
        await prepareWriterConnection(logger: batch[0].logger)
        if batch.count == 1 { return await commitAlone(batch[0]) }
        let outcomes: [Result<any Sendable, any Error>]
        do {
            let database = try connection(batch[0].logger)
            let bodies = batch.map { ($0.body, $0.logger) }
            let budget = self.budget, executor = self.executor
            // Fluent runs a transaction's closure in a task of its own, so the preference is set again inside it.
            outcomes = try await database.transaction { transaction in try await withTaskExecutorPreference(executor) {
                guard let sql = transaction as? any SQLDatabase else { throw Problem.internal() }
                let chain = BatchChainHead()
                var results: [Result<any Sendable, any Error>] = []
                results.reserveCapacity(bodies.count)
                for (body, logger) in bodies {
                    let mark = chain.mark()
                    let result = try await BatchChainHead.$current.withValue(chain) {
                        try await Self.run(body, in: transaction, budget: budget, executor: executor, logger: logger)
                    }
                    // A body rolled back to its savepoint took its entries with it: so goes its advance of the head.
                    if case .failure = result { chain.rewind(to: mark) }
                    results.append(result)
                }
                if let head = chain.moved { try await EventLog.writeChainHead(head, on: sql) }
                return results
            } }
        } catch {
            // BEGIN, a savepoint's rollback or COMMIT failed: nothing in this batch is written, and everyone hears so.
            batch[0].logger.error("write batch failed", metadata: ["error": "\(error)", "callers": "\(batch.count)"])
            for job in batch { job.continuation.resume(throwing: error) }
            return
        }
        for (job, outcome) in zip(batch, outcomes) { job.continuation.resume(with: outcome) }
    }

    /// Each caller's savepoint keeps a statement journal; SQLite writes it to a temporary file (open, write, delete
    /// per batch) unless told to keep it in memory. It only ever serves rolling a savepoint back inside the open
    /// transaction, never crash recovery (the WAL does that), so memory costs nothing in durability.
    ///
    /// The writer's page cache is raised from SQLite's 2 MiB to 64 MiB: a 2,000-station batch dirties more pages than
    /// 2 MiB hold, and SQLite then spilled them to the WAL in the middle of the transaction and read them back
    /// (a tenth of the writer's time in profiles of that batch). Memory only; what is on disk at commit is the same.
    private func prepareWriterConnection(logger: Logger) async {
        guard !writerConnectionPrepared else { return }
        do {
            guard let sql = try connection(logger) as? any SQLDatabase else { return }
            try await sql.raw("PRAGMA temp_store = MEMORY").run()
            try await sql.raw("PRAGMA cache_size = -65536").run()
            // Checkpoints are the checkpointer's, off the commit path; the writer's own only past a safety bound.
            if checkpointer != nil { try await sql.raw("PRAGMA wal_autocheckpoint = \(unsafeRaw: String(SQLiteCheckpointer.writerBound))").run() }
            writerConnectionPrepared = true
        } catch {
            // Only slower: the journal goes to a file, the cache stays small, commits checkpoint. Tried again next batch.
            logger.warning("could not set up SQLite's writer connection", metadata: ["error": "\(error)"])
        }
    }

    /// A batch of one needs no savepoint: the transaction is the caller's own, and its failure rolls back only it.
    private func commitAlone(_ job: Job) async {
        do {
            let database = try connection(job.logger)
            let budget = self.budget, executor = self.executor
            let value = try await database.transaction { transaction in try await withTaskExecutorPreference(executor) {
                guard let sql = transaction as? any SQLDatabase else { throw Problem.internal() }
                let chain = BatchChainHead()
                let value = try await BatchChainHead.$current.withValue(chain) {
                    try await budget.run(on: executor) { try await job.body(transaction) }
                }
                if let head = chain.moved { try await EventLog.writeChainHead(head, on: sql) }
                return value
            } }
            job.continuation.resume(returning: value)
        } catch is WriteBudget.Overran {
            job.logger.warning("write rolled back: over its budget", metadata: ["budget": "\(budget.budget)"])
            job.continuation.resume(throwing: Problem.unavailable(detail: "The write took too long and was not saved; try again."))
        } catch {
            job.continuation.resume(throwing: error)
        }
    }

    /// One caller's body in its own savepoint. Its failure is returned, not thrown, so the batch goes on; only a
    /// failure to roll the savepoint back (the transaction itself is broken) is thrown and ends the batch.
    private static func run(_ body: @escaping Body, in transaction: any Database, budget: WriteBudget, executor: (any TaskExecutor)?,
                            logger: Logger) async throws
        -> Result<any Sendable, any Error>
    {
        guard let sql = transaction as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("SAVEPOINT hues_write").run()
        do {
            let value = try await budget.run(on: executor) { try await body(transaction) }
            try await sql.raw("RELEASE SAVEPOINT hues_write").run()
            return .success(value)
        } catch {
            try await sql.raw("ROLLBACK TO SAVEPOINT hues_write").run()
            try await sql.raw("RELEASE SAVEPOINT hues_write").run()
            guard error is WriteBudget.Overran else { return .failure(error) }
            logger.warning("write rolled back: over its budget", metadata: ["budget": "\(budget.budget)"])
            return .failure(Problem.unavailable(detail: "The write took too long and was not saved; try again."))
        }
    }
}
