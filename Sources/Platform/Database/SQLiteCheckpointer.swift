import FluentKit
import FluentSQLiteDriver
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import SQLKit

/// Copies committed pages from SQLite's write-ahead log into the database file in the background, so no writer's
/// commit has to.
///
/// Why: by default the commit that takes the log past 1,000 pages checkpoints then and there, on the writer's
/// connection, before anyone in its batch is answered. A 2,000-station batch upsert writes more than that, so nearly
/// every such batch paid for a checkpoint (copy and fsync of the database file): its p50 went between 205 and 301 ms
/// from run to run, and 179–208 ms without the checkpoint. Here the writer's automatic checkpoint waits for a much
/// longer log (`writerBound`) and this task runs a PASSIVE checkpoint on a connection of its own after commits, at
/// most every `pause`. A PASSIVE checkpoint never blocks the writer or readers; what it cannot copy yet (pages a
/// reader still needs) it copies on a later round. Durability is unchanged: a commit is on disk once its log frames
/// are (`synchronous=FULL`).
final class SQLiteCheckpointer: Sendable {
    /// The writer's own automatic checkpoint, kept as a safety bound (40 MiB of log at 4 KiB pages). SQLite starts
    /// the log over only in a write transaction that began with every frame copied; under a steady stream of commits
    /// a checkpoint running beside the writer always trails the log's end, so without the writer's own (which runs
    /// right after its commit, with nobody writing) the log would never start over, nor would it if this task failed.
    /// While this task keeps up, that checkpoint finds almost nothing left to copy.
    static let writerBound = 10_000
    private let wakes: AsyncStream<Void>.Continuation
    private let loop: Task<Void, Never>
    /// Its own connection on its own thread: a round's copy and fsync must not hold up readers.
    private let databases: Databases
    private let thread: NIOThreadPool
    /// Frames in the log (since it last started over), and those a round could not copy yet. A log that only grows
    /// means it never starts over (a reader holding an old snapshot, or failing checkpoints).
    private static let frames = Gauge(label: "hues_sqlite_wal_frames")
    private static let behind = Gauge(label: "hues_sqlite_wal_frames_not_checkpointed")

    init(path: String, on loop: any EventLoop, pause: Duration = .milliseconds(250)) {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let databases = Databases(threadPool: thread, on: loop)
        databases.use(.sqlite(.init(storage: .file(path: path), enableForeignKeys: true), sqlLogLevel: nil), as: .sqlite)
        self.thread = thread
        self.databases = databases
        let (stream, wakes) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.wakes = wakes
        self.loop = Task.detached {
            let logger = Logger(label: "hues.database")
            var failing = false
            for await _ in stream {
                do {
                    guard let sql = databases.database(logger: logger, on: loop) as? any SQLDatabase else { throw Problem.internal() }
                    let (log, behind) = try await Self.checkpoint(on: sql)
                    Self.frames.record(log)
                    Self.behind.record(behind)
                    if failing { logger.notice("SQLite checkpoints work again") }
                    failing = false
                } catch {
                    // Logged once per failing spell; the writer's own bound (`writerBound`) still holds meanwhile.
                    if !failing { logger.error("SQLite checkpoint failed", metadata: ["error": "\(error)"]) }
                    failing = true
                }
                do { try await Task.sleep(for: pause) } catch { return }
            }
        }
    }

    deinit {
        wakes.finish()
        loop.cancel()
    }

    /// A transaction has committed (or tried to): a round is due.
    func committed() {
        wakes.yield()
    }

    /// Stops the rounds and closes the connection; SQLite checkpoints the log itself when the last one closes.
    func stop() async {
        wakes.finish()
        loop.cancel()
        await loop.value
        await databases.shutdownAsync()
        do { try await thread.shutdownGracefully() } catch {
            Logger(label: "hues.database").warning("the SQLite checkpointer's thread did not stop cleanly", metadata: ["error": "\(error)"])
        }
    }

    /// Runs one PASSIVE checkpoint; answers the frames in the log and those it could not copy yet.
    static func checkpoint(on sql: any SQLDatabase) async throws -> (log: Int, behind: Int) {
        guard let row = try await sql.raw("PRAGMA wal_checkpoint(PASSIVE)").first() else { throw Problem.internal() }
        let log = try row.decode(column: "log", as: Int.self)
        let copied = try row.decode(column: "checkpointed", as: Int.self)
        // -1 for both: the database is not in WAL mode (yet) or the checkpoint could not run at all.
        guard log >= 0, copied >= 0 else { return (0, 0) }
        return (log, log - copied)
    }
}
