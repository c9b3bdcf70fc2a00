import Foundation
import HuesTestSupport
import Logging
@testable import Platform
import Synchronization
import Testing

/// Single-instance background work: two instances sharing one database never both run it, and a dead holder's work
/// moves on once its lease lapses.
@Suite struct WorkLeaseTests {
    let logger = Logger(label: "test")

    func withLeases(_ body: (PlatformDatabase, TestClock) async throws -> Void) async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(WorkLeases.migrations(), logger: logger)
            try await body(database, TestClock(Date(timeIntervalSince1970: 1_790_000_000)))
        }
    }

    @Test func oneHolderAtATimeUntilTheLeaseLapsesOrIsReleased() async throws {
        try await withLeases { database, clock in
            let first = WorkLeases(database: database, holder: "instance-a", clock: clock.reading)
            let second = WorkLeases(database: database, holder: "instance-b", clock: clock.reading)
            #expect(try await first.claim("projection", for: .seconds(60), logger: logger))
            #expect(try await !second.claim("projection", for: .seconds(60), logger: logger))
            #expect(try await second.claim("other work", for: .seconds(60), logger: logger))
            clock.advance(by: 50)
            #expect(try await first.claim("projection", for: .seconds(60), logger: logger), "the holder renews")
            clock.advance(by: 50)
            #expect(try await !second.claim("projection", for: .seconds(60), logger: logger), "renewed, so still held")
            clock.advance(by: 11)
            #expect(try await second.claim("projection", for: .seconds(60), logger: logger), "lapsed: the other instance takes over")
            #expect(try await !first.claim("projection", for: .seconds(60), logger: logger))
            try await first.release("projection", logger: logger)
            #expect(try await !first.claim("projection", for: .seconds(60), logger: logger), "releasing someone else's lease does nothing")
            try await second.release("projection", logger: logger)
            #expect(try await first.claim("projection", for: .seconds(60), logger: logger))
        }
    }

    @Test func theWorkerSkipsSingleInstanceWorkHeldElsewhereAndRunsTheRest() async throws {
        try await withLeases { database, clock in
            let rounds = Mutex([String]())
            let single = BackgroundWork("projection", every: .seconds(30), singleInstance: true) { _ in rounds.withLock { $0.append("projection") } }
            let shared = BackgroundWork("sweep", every: .seconds(30)) { _ in rounds.withLock { $0.append("sweep") } }
            let elsewhere = WorkLeases(database: database, holder: "instance-a", clock: clock.reading)
            let heldElsewhere = try await elsewhere.claim("projection", for: .seconds(120), logger: logger)
            #expect(heldElsewhere)
            let worker = BackgroundWorker(work: [single, shared], leases: WorkLeases(database: database, holder: "instance-b", clock: clock.reading), logger: logger)
            await worker.runRound(single, logger: logger)
            await worker.runRound(shared, logger: logger)
            #expect(rounds.withLock { $0 } == ["sweep"])
            clock.advance(by: 121)
            await worker.runRound(single, logger: logger)
            #expect(rounds.withLock { $0 } == ["sweep", "projection"])
        }
    }
}
