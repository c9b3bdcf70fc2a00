import Foundation
import HuesTestSupport
import Logging
@testable import Platform
import Synchronization
import Testing

/// Background work that follows events (a projection) runs when one of its events commits, not only when its interval
/// comes round: a scorecard must show an event within a second, and the interval is minutes here.
@Suite struct BackgroundWakeTests {
    let logger = Logger(label: "test")

    func commit(_ type: String, to database: PlatformDatabase) async throws {
        try await database.write(logger: logger) { db in
            try await EventLog.append(DomainEvent(type: type, actorName: "test", subject: "case:1", rawPayload: "{}"), on: db)
        }
    }

    /// Waits up to ten seconds for `condition`; a test that never sees it fails rather than hangs.
    func eventually(_ what: Comment, _ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
        #expect(condition(), what)
    }

    @Test func aCommitOfItsEventsStartsARoundLongBeforeItsInterval() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(WorkLeases.migrations() + EventLog.migrations(), logger: logger)
            let rounds = Mutex(0)
            // The second round waits until the test lets it go, so the burst below arrives while a round runs.
            let released = Mutex(false)
            let work = BackgroundWork("projection", every: .seconds(3600), singleInstance: true, wakeOn: (["case.news"], database.changes)) { _ in
                let round = rounds.withLock { $0 += 1; return $0 }
                while round == 2, !released.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
            }
            let worker = BackgroundWorker(work: [work], leases: WorkLeases(database: database, holder: "instance-a"), logger: logger)
            let loop = Task { await worker.loop(work) }
            try await eventually("the first round runs at once") { rounds.withLock { $0 } == 1 }
            try await commit("case.news.arrived", to: database)
            try await eventually("a commit of its topic brings a round") { rounds.withLock { $0 } == 2 }
            // Twenty commits while that round runs ring the bell twenty times; they bring one more round, not twenty.
            for _ in 0..<20 { try await commit("case.news.arrived", to: database) }
            try await Task.sleep(for: .milliseconds(300))
            released.withLock { $0 = true }
            try await eventually("the burst brings a round") { rounds.withLock { $0 } >= 3 }
            try await Task.sleep(for: .milliseconds(500))
            #expect((3...4).contains(rounds.withLock { $0 }), "20 commits during a round, \(rounds.withLock { $0 } - 2) rounds after it")
            loop.cancel()
            await loop.value
        }
    }

    @Test func otherEventsLeaveItAsleep() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(WorkLeases.migrations() + EventLog.migrations(), logger: logger)
            let rounds = Mutex(0)
            let work = BackgroundWork("projection", every: .seconds(3600), wakeOn: (["case.news"], database.changes)) { _ in rounds.withLock { $0 += 1 } }
            let worker = BackgroundWorker(work: [work], leases: WorkLeases(database: database, holder: "instance-a"), logger: logger)
            let loop = Task { await worker.loop(work) }
            try await eventually("the first round runs at once") { rounds.withLock { $0 } == 1 }
            try await commit("payments.intent.created", to: database)
            try await commit("case.newsletter.sent", to: database)
            // Then one that is its own: had either of the others rung, this would be a third round.
            try await Task.sleep(for: .milliseconds(300))
            try await commit("case.news", to: database)
            try await eventually("its own topic brings a round") { rounds.withLock { $0 } == 2 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(rounds.withLock { $0 } == 2)
            loop.cancel()
            await loop.value
        }
    }
}
