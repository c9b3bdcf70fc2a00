import FluentKit
import Foundation
import Logging
@testable import Platform
import SQLKit
import Synchronization
import Testing

/// SQLite group commit: concurrent writers share one transaction and one fsync, each in its own savepoint, so a
/// failing or stuck caller loses only its own write, and readers carry on while a batch is open.
@Suite struct GroupCommitTests {
    let logger = Logger(label: "test")

    func withSQLite(writeBudget: Duration = .seconds(10), _ body: (PlatformDatabase) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-batch-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try PlatformDatabase(location: .sqlite(path: folder + "/hues.sqlite"), writeBudget: writeBudget)
        do {
            try await database.migrate(EventLog.migrations(), logger: logger)
            try await database.sql(logger: logger).raw("CREATE TABLE parcels (code TEXT PRIMARY KEY, note TEXT NOT NULL)").run()
            try await body(database)
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
    }

    /// Stores a parcel and its event, as every module's write does.
    @Sendable static func store(_ code: String, on db: any Database) async throws -> String {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("INSERT INTO parcels (code, note) VALUES (\(bind: code), 'stored')").run()
        try await EventLog.append(try DomainEvent(type: "test.parcel.stored", actorName: "tester", subject: code, payload: ["code": code]), on: db)
        return code
    }

    func storedCodes(_ database: PlatformDatabase) async throws -> Set<String> {
        let rows = try await database.sql(logger: logger).raw("SELECT code FROM parcels").all()
        return Set(try rows.map { try $0.decode(column: "code", as: String.self) })
    }

    /// Holds the writer inside the first body until `release` is called, so the next callers gather into one batch.
    final class Latch: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.open { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        func release() {
            for waiter in state.withLock({ state in state.open = true; defer { state.waiters = [] }; return state.waiters }) { waiter.resume() }
        }
    }

    func waitUntil(_ writer: SQLiteWriteBatcher, hasWaiting count: Int) async {
        while await writer.waiting < count { await Task.yield() }
    }

    /// Until the first caller's batch has started (and holds the writer at the latch).
    func waitUntilTheFirstBatchRuns(_ writer: SQLiteWriteBatcher) async {
        while await writer.batches < 1 { await Task.yield() }
    }

    @Test func writersArrivingDuringACommitShareTheNextOneAndTheChainStaysInOrder() async throws {
        try await withSQLite { database in
            let writer = try #require(database.writer)
            let latch = Latch()
            async let first: String = database.write(logger: logger) { db in
                await latch.wait()
                return try await Self.store("P-000", on: db)
            }
            await waitUntilTheFirstBatchRuns(writer)
            var others: [Task<String, any Error>] = []
            for n in 1...40 {
                others.append(Task { try await database.write(logger: logger) { try await Self.store(String(format: "P-%03d", n), on: $0) } })
            }
            await waitUntil(writer, hasWaiting: 40)
            latch.release()
            #expect(try await first == "P-000")
            for task in others { _ = try await task.value }
            #expect(await writer.batches == 2, "the first write alone, then the forty that queued behind it together")
            #expect(try await storedCodes(database).count == 41)
            let db = try database.db(logger: logger)
            #expect(try await EventLog.verify(on: db) == .init(checked: 41, brokenAt: nil, reason: nil))
        }
    }

    @Test func aFailingCallerLosesOnlyItsOwnWriteAndHearsItsOwnError() async throws {
        struct Refused: Error {}
        try await withSQLite { database in
            let writer = try #require(database.writer)
            let latch = Latch()
            async let first: String = database.write(logger: logger) { db in
                await latch.wait()
                return try await Self.store("P-A", on: db)
            }
            await waitUntilTheFirstBatchRuns(writer)
            let good = Task { try await database.write(logger: logger) { try await Self.store("P-B", on: $0) } }
            await waitUntil(writer, hasWaiting: 1)
            let throwing = Task {
                try await database.write(logger: logger) { db -> String in
                    _ = try await Self.store("P-C", on: db)
                    throw Refused()
                }
            }
            await waitUntil(writer, hasWaiting: 2)
            let duplicate = Task { try await database.write(logger: logger) { try await Self.store("P-A", on: $0) } }
            await waitUntil(writer, hasWaiting: 3)
            let alsoGood = Task { try await database.write(logger: logger) { try await Self.store("P-D", on: $0) } }
            await waitUntil(writer, hasWaiting: 4)
            latch.release()
            _ = try await first
            #expect(try await good.value == "P-B")
            await #expect(throws: Refused.self) { try await throwing.value }
            await #expect(throws: (any Error).self) { try await duplicate.value }
            #expect(try await alsoGood.value == "P-D")
            #expect(await writer.batches == 2)
            #expect(try await storedCodes(database) == ["P-A", "P-B", "P-D"])
            let db = try database.db(logger: logger)
            #expect(try await EventLog.verify(on: db) == .init(checked: 3, brokenAt: nil, reason: nil))
        }
    }

    @Test func aStuckCallerIsRolledBackAfterItsBudgetAndTheRestOfItsBatchCommits() async throws {
        try await withSQLite(writeBudget: .seconds(3)) { database in
            let writer = try #require(database.writer)
            let latch = Latch()
            async let first: String = database.write(logger: logger) { db in
                await latch.wait()
                return try await Self.store("P-1", on: db)
            }
            await waitUntilTheFirstBatchRuns(writer)
            let stuck = Task {
                try await database.write(logger: logger) { db -> String in
                    _ = try await Self.store("P-STUCK", on: db)
                    try await Task.sleep(for: .seconds(600))
                    return "never"
                }
            }
            await waitUntil(writer, hasWaiting: 1)
            let after = Task { try await database.write(logger: logger) { try await Self.store("P-2", on: $0) } }
            await waitUntil(writer, hasWaiting: 2)
            latch.release()
            _ = try await first
            await #expect(throws: Problem.self) { try await stuck.value }
            #expect(try await after.value == "P-2")
            #expect(try await storedCodes(database) == ["P-1", "P-2"])
        }
    }

    @Test func aStuckWriteAloneIsRolledBackAfterItsBudgetAndTheWriterGoesOn() async throws {
        try await withSQLite(writeBudget: .seconds(2)) { database in
            let stuck = Task {
                try await database.write(logger: logger) { db -> String in
                    _ = try await Self.store("P-ALONE", on: db)
                    try await Task.sleep(for: .seconds(600))
                    return "never"
                }
            }
            await #expect(throws: Problem.self) { try await stuck.value }
            let afterOverrun = try await storedCodes(database)
            #expect(afterOverrun.isEmpty, "the overrun write is not kept")
            let next = try await database.write(logger: logger) { try await Self.store("P-NEXT", on: $0) }
            #expect(next == "P-NEXT")
            let stored = try await storedCodes(database)
            #expect(stored == ["P-NEXT"])
        }
    }

    @Test func readersCarryOnWhileABatchIsOpenAndSeeOnlyWhatIsCommitted() async throws {
        try await withSQLite { database in
            _ = try await database.write(logger: logger) { try await Self.store("P-OLD", on: $0) }
            let latch = Latch()
            let inside = Latch()
            let open = Task {
                try await database.write(logger: logger) { db in
                    let code = try await Self.store("P-NEW", on: db)
                    inside.release()
                    await latch.wait()
                    return code
                }
            }
            await inside.wait()
            // The writer is inside its transaction now. If readers queued behind it, these reads would never return
            // and the test would hang: the latch opens only after they have answered.
            for _ in 0..<20 {
                #expect(try await storedCodes(database) == ["P-OLD"])
            }
            latch.release()
            _ = try await open.value
            #expect(try await storedCodes(database) == ["P-OLD", "P-NEW"])
        }
    }
}
