import FluentKit
import Foundation
import HuesTestSupport
import Logging
import Platform
import SQLKit
import Testing

@Suite struct EventLogTests {
    let logger = Logger(label: "test")

    func withDatabase(_ body: (PlatformDatabase) async throws -> Void) async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(EventLog.migrations(), logger: logger)
            try await body(database)
        }
    }

    func append(_ type: String, _ database: PlatformDatabase) async throws {
        try await database.write(logger: logger) { db in
            try await EventLog.append(try DomainEvent(type: type, actorName: "tester", unitCode: "phuong-phu-xuan", payload: ["n": type]), on: db)
        }
    }

    @Test func appendsFormAnIntactChainReadByCursor() async throws {
        try await withDatabase { database in
            for n in 1...5 { try await append("test.event.\(n)", database) }
            let db = try database.db(logger: logger)
            let verification = try await EventLog.verify(on: db)
            #expect(verification == .init(checked: 5, brokenAt: nil, reason: nil))
            let page = try await EventLog.read(after: 2, limit: 2, on: db)
            #expect(page.map(\.seq) == [3, 4])
            #expect(page[0].previousHash == (try await EventLog.read(after: 1, limit: 1, on: db))[0].hash)
            try await database.write(logger: logger) { db in try await EventLog.advance("kpi", to: 4, on: db) }
            #expect(try await EventLog.cursor(of: "kpi", on: db) == 4)
            #expect(try await EventLog.cursor(of: "never-ran", on: db) == 0)
        }
    }

    @Test func alteringARowIsCaughtAtThatRow() async throws {
        try await withDatabase { database in
            for n in 1...4 { try await append("test.event.\(n)", database) }
            // What is tampered with is the chain itself (on PostgreSQL, entries join it when sealed).
            try await EventLog.seal(on: try database.db(logger: logger))
            try await database.sql(logger: logger).raw("UPDATE event_log SET payload = '{\"n\":\"forged\"}' WHERE seq = 3").run()
            let verification = try await EventLog.verify(on: try database.db(logger: logger))
            #expect(verification.brokenAt == 3)
            #expect(verification.checked == 2)
            #expect(verification.reason?.contains("altered") == true)
        }
    }

    @Test func removingRowsIsCaught() async throws {
        try await withDatabase { database in
            for n in 1...4 { try await append("test.event.\(n)", database) }
            // What is tampered with is the chain itself (on PostgreSQL, entries join it when sealed).
            try await EventLog.seal(on: try database.db(logger: logger))
            try await database.sql(logger: logger).raw("DELETE FROM event_log WHERE seq = 2").run()
            #expect(try await EventLog.verify(on: try database.db(logger: logger)).brokenAt == 2)
            try await database.sql(logger: logger).raw("DELETE FROM event_log WHERE seq >= 2").run()
            let truncated = try await EventLog.verify(on: try database.db(logger: logger))
            #expect(truncated.brokenAt == 2)
            #expect(truncated.reason?.contains("removed") == true)
        }
    }

    @Test func aFailedTransactionLeavesNeitherTheChangeNorItsEvent() async throws {
        try await withDatabase { database in
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await database.write(logger: logger) { db in
                    try await EventLog.append(DomainEvent(type: "test.half-written"), on: db)
                    throw Boom()
                }
            }
            let db = try database.db(logger: logger)
            #expect(try await EventLog.latestSeq(on: db) == 0)
            #expect(try await EventLog.read(after: 0, on: db).isEmpty)
        }
    }

    @Test func concurrentAppendsKeepOneUnbrokenChain() async throws {
        try await withDatabase { database in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<40 { group.addTask { try await append("test.concurrent.\(n)", database) } }
                try await group.waitForAll()
            }
            let verification = try await EventLog.verify(on: try database.db(logger: logger))
            #expect(verification.isIntact)
            #expect(verification.checked == 40)
        }
    }

    /// Entries are chained in the order their transactions commit. PostgreSQL writers take no lock on the chain, so
    /// quick writers finish while a slow one is still open and are sealed before it; SQLite has one writer, so they
    /// wait for it. Either way the chain is one unbroken order.
    @Test func entriesAreChainedInTheOrderTheirTransactionsCommit() async throws {
        try await withDatabase { database in
            let inside = GroupCommitTests.Latch()
            let release = GroupCommitTests.Latch()
            let slow = Task {
                try await database.write(logger: logger) { db in
                    try await EventLog.append(DomainEvent(type: "test.slow"), on: db)
                    inside.release()
                    await release.wait()
                }
            }
            await inside.wait()
            let quick = Task { for n in 1...3 { try await append("test.quick.\(n)", database) } }
            let db = try database.db(logger: logger)
            let quickOnes = ["test.quick.1", "test.quick.2", "test.quick.3"]
            if database.kind == .postgres {
                try await quick.value
                #expect(try await EventLog.read(after: 0, on: db).map(\.type) == quickOnes)
            }
            release.release()
            try await slow.value
            try await quick.value
            let all = try await EventLog.read(after: 0, on: db)
            #expect(all.map(\.type) == (database.kind == .postgres ? quickOnes + ["test.slow"] : ["test.slow"] + quickOnes))
            #expect(all.map(\.seq) == [1, 2, 3, 4])
            #expect(try await EventLog.verify(on: db) == .init(checked: 4, brokenAt: nil, reason: nil))
            #expect(try await EventLog.unsealed(on: db).count == 0)
        }
    }
}
