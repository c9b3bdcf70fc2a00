import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import SQLKit
import ServiceLifecycle

/// The platform's one database: SQLite (a file, WAL mode, foreign keys on) or PostgreSQL, behind Fluent.
///
/// Reads take a fresh handle per call so they spread over the event loops. Writes go through `write`, which runs
/// the body in one transaction; that is where a module records its change *and* its event-log entry, so neither
/// lands without the other. On SQLite, writes are group-committed on a connection of their own
/// (`SQLiteWriteBatcher`), so readers never queue behind a batch: WAL lets them read the last commit meanwhile.
public final class PlatformDatabase: Sendable {
    public enum Kind: String, Sendable {
        case sqlite
        case postgres
    }

    /// Write transactions running or queued, and how long each took: the pool's pressure at a glance. Made per
    /// database, not once per process, so they bind to the metrics backend bootstrapped before the database opens.
    private let inFlight = Meter(label: "hues_db_transactions_in_flight")
    private let duration = Metrics.Timer(label: "hues_db_transaction_duration_seconds", preferredDisplayUnit: .seconds)
    /// Events written through `write`, per kind: what tells the public response cache an answer has changed.
    public let changes = ChangeTopics()

    public let databases: Databases
    public let kind: Kind
    public let location: DatabaseLocation
    private let eventLoopGroup: any EventLoopGroup
    /// A PostgreSQL streaming replica that heavy report reads go to (`reportSQL`); nil: they read the primary.
    public let replicaURL: String?
    static let replicaID = DatabaseID(string: "replica")
    /// SQLite's single writer: its own connection (a file) or the only connection (in memory).
    let writer: SQLiteWriteBatcher?
    private let writerDatabases: Databases?
    private let writerThread: SQLiteWriterThread?
    private let checkpointer: SQLiteCheckpointer?

    /// - Parameter writeBudget: how long one SQLite write body may run before it is rolled back (see `SQLiteWriteBatcher`).
    public init(location: DatabaseLocation, replicaURL: String? = nil, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                writeBudget: Duration = .seconds(10)) throws {
        self.location = location
        self.replicaURL = replicaURL
        // Every connection to ":memory:" is a database of its own, so in memory there is one loop and one connection.
        let group: any EventLoopGroup = location == .sqliteInMemory ? eventLoopGroup.next() : eventLoopGroup
        self.eventLoopGroup = group
        self.databases = Databases(threadPool: NIOThreadPool.singleton, on: group)
        switch location {
        case .sqlite(let path):
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            databases.use(.sqlite(.init(storage: .file(path: path), enableForeignKeys: true), sqlLogLevel: nil), as: .sqlite)
            // One event loop, so one pooled connection: the writer's, never lent to a reader.
            let loop = eventLoopGroup.next()
            let thread = SQLiteWriterThread()
            let writers = Databases(threadPool: thread.pool, on: loop)
            writers.use(.sqlite(.init(storage: .file(path: path), enableForeignKeys: true), sqlLogLevel: nil), as: .sqlite)
            kind = .sqlite
            writerDatabases = writers
            writerThread = thread
            let checkpointer = SQLiteCheckpointer(path: path, on: loop)
            self.checkpointer = checkpointer
            writer = SQLiteWriteBatcher(budget: writeBudget, executor: thread, checkpointer: checkpointer) { logger in
                guard let database = writers.database(logger: logger, on: loop) else { throw Problem.unavailable(detail: "The server is shutting down.") }
                return database
            }
        case .sqliteInMemory:
            let loop = group.next()
            databases.use(.sqlite(.init(storage: .memory, enableForeignKeys: true), sqlLogLevel: nil), as: .sqlite)
            kind = .sqlite
            writerDatabases = nil
            writerThread = nil
            checkpointer = nil
            writer = SQLiteWriteBatcher(budget: writeBudget) { [databases] logger in
                guard let database = databases.database(logger: logger, on: loop) else { throw Problem.unavailable(detail: "The server is shutting down.") }
                return database
            }
        case .postgres(let url):
            // A refused or dropped connection fails at once (and becomes a 503); the timeout only bounds waiting for a busy pool.
            databases.use(try .postgres(url: url, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(30), sqlLogLevel: .trace), as: .psql)
            if let replicaURL {
                databases.use(try .postgres(url: replicaURL, maxConnectionsPerEventLoop: 2, connectionPoolTimeout: .seconds(30), sqlLogLevel: .trace),
                              as: Self.replicaID, isDefault: false)
            }
            kind = .postgres
            writer = nil
            writerDatabases = nil
            writerThread = nil
            checkpointer = nil
        }
    }

    /// A handle for reads (and for writes that need no transaction).
    public func db(logger: Logger) throws -> any Database {
        guard let database = databases.database(logger: logger, on: eventLoopGroup.any()) else {
            throw Problem.unavailable(detail: "The server is shutting down.")
        }
        return database
    }

    public func sql(logger: Logger) throws -> any SQLDatabase {
        guard let sql = try db(logger: logger) as? any SQLDatabase else {
            throw Problem.internal()
        }
        return sql
    }

    /// A handle for reports: aggregates over months of rows that may lag the primary by a moment. On the replica when
    /// one is configured (a standby cannot take a write, so nothing written through this handle can land there).
    public func reportSQL(logger: Logger) throws -> any SQLDatabase {
        guard replicaURL != nil else { return try sql(logger: logger) }
        guard let replica = databases.database(Self.replicaID, logger: logger, on: eventLoopGroup.any()) as? any SQLDatabase else {
            throw Problem.unavailable(detail: "The server is shutting down.")
        }
        return replica
    }

    /// Runs `body` in one transaction and returns once it is committed. SQLite writers are group-committed, each in
    /// its own savepoint; PostgreSQL writers each have their own transaction and coordinate with row locks.
    @discardableResult
    public func write<T: Sendable>(logger: Logger, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        inFlight.increment()
        defer {
            inFlight.decrement()
            let elapsed = started.duration(to: .now).components
            duration.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        }
        // Events are counted for the public response cache only once their transaction has committed.
        let pending = ChangeTopics.Pending()
        let body: @Sendable (any Database) async throws -> T = { db in try await ChangeTopics.$pending.withValue(pending) { try await body(db) } }
        if let writer {
            let value = try await writer.submit(logger: logger) { try await body($0) }
            guard let result = value as? T else { throw Problem.internal() }
            changes.commit(pending)
            return result
        }
        let result = try await db(logger: logger).transaction(body)
        changes.commit(pending)
        return result
    }

    /// Runs `body` while no other instance runs an exclusive body on this database (migrations, reference data,
    /// demo seeds at start-up): on PostgreSQL a transaction-scoped advisory lock, held on a connection of its own
    /// while the body works on others; on SQLite there is one instance.
    public func exclusively<T: Sendable>(logger: Logger, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard kind == .postgres else { return try await body() }
        return try await db(logger: logger).transaction { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.startUpLock))").run()
            return try await body()
        }
    }

    /// The advisory-lock key of start-up work ("hues" in ASCII).
    static let startUpLock: Int64 = 0x6875_6573

    /// Creates missing tables. Runs the migrations in order and records them, so running it twice is harmless.
    public func migrate(_ list: [any Migration], logger: Logger) async throws {
        let migrations = Migrations()
        migrations.add(list)
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoopGroup.any(), migrationLogLevel: .debug)
        if kind == .sqlite, case .sqlite = location {
            // WAL lets readers carry on while a write commits; the mode is stored in the file, once is enough.
            try await sql(logger: logger).raw("PRAGMA journal_mode=WAL").run()
        }
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    /// Readiness: a trivial query that fails when the database is unreachable.
    public func ping(logger: Logger) async throws {
        try await sql(logger: logger).raw("SELECT 1").run()
    }

    public func shutdown() async {
        await checkpointer?.stop()
        await writerDatabases?.shutdownAsync()
        do {
            try await writerThread?.shutdown()
        } catch {
            Logger(label: "hues.database").warning("the SQLite writer's thread did not stop cleanly", metadata: ["error": "\(error)"])
        }
        await databases.shutdownAsync()
    }
}

/// Lets the application's service group shut the database down after the server has drained.
public struct DatabaseService: Service {
    let database: PlatformDatabase

    public init(database: PlatformDatabase) {
        self.database = database
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await database.shutdown()
    }
}

extension Problem {
    /// True when `error` means the database could not be reached (as opposed to a bug or a constraint).
    public static func isDatabaseUnavailable(_ error: any Error) -> Bool {
        if error is NIOConnectionError || error is ChannelError { return true }
        // The drivers' error types are not public enough to switch on, so match their stable descriptions.
        let text = String(reflecting: error)
        let markers = ["PSQLError(code: connectionError", "PSQLError(code: serverClosedConnection", "PSQLError(code: poolClosed",
                       "connectionRequestTimeout", "Connection refused", "connectionRefused", "unableToOpen", "cantOpen"]
        return markers.contains { text.contains($0) }
    }
}
