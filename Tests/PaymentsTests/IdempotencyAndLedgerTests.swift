import FluentKit
import Foundation
import HuesTestSupport
import Logging
@testable import Payments
import Platform
import SQLKit
import Synchronization
import Testing

/// The idempotency store and the ledger on their own, on the test database (SQLite, or PostgreSQL in CI).
struct IdempotencyAndLedgerTests {
    let logger = Logger(label: "test")

    func withDatabase(_ body: (PlatformDatabase) async throws -> Void) async throws {
        try await TestDatabase.using { test in
            let database = try PlatformDatabase(location: test.location)
            do {
                try await database.migrate(EventLog.migrations() + PersonalDataReads.migrations() + [CreatePaymentsTables()], logger: logger)
                try await body(database)
            } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
        }
    }

    @Test func aKeyInFlightIsAConflictAndAFailedRequestLeavesNothingBehind() async throws {
        try await withDatabase { database in
            let keys = IdempotencyKeys(database: database)
            let body = Data(#"{"invoice":"HD1"}"#.utf8)
            let runs = Counter()
            // The first request holds its key until the second has been answered: no timing assumptions.
            let (started, signalStarted) = AsyncStream<Void>.makeStream()
            let (released, release) = AsyncStream<Void>.makeStream()
            let slow = Task {
                try await keys.run(key: "k-1", scope: "citizen", endpoint: "intents", body: body, logger: logger) {
                    runs.add()
                    signalStarted.yield()
                    for await _ in released { break }
                    return .init(status: 201, body: #"{"id":"first"}"#, location: "/x")
                }
            }
            for await _ in started { break }
            await #expect(throws: Problem.self) {
                try await keys.run(key: "k-1", scope: "citizen", endpoint: "intents", body: body, logger: logger) {
                    runs.add()
                    return .init(status: 201, body: "{}", location: nil)
                }
            }
            release.yield()
            let first = try await slow.value
            #expect(!first.replayed)
            let replay = try await keys.run(key: "k-1", scope: "citizen", endpoint: "intents", body: Data(#"{ "invoice" : "HD1" }"#.utf8), logger: logger) {
                runs.add()
                return .init(status: 201, body: "{}", location: nil)
            }
            #expect(replay == .init(status: 201, body: #"{"id":"first"}"#, location: "/x", replayed: true))
            #expect(runs.value == 1)
            // Another caller's identical key is theirs alone.
            _ = try await keys.run(key: "k-1", scope: "business", endpoint: "intents", body: body, logger: logger) {
                runs.add()
                return .init(status: 201, body: "{}", location: nil)
            }
            #expect(runs.value == 2)
            // A failure stores nothing: the same key runs again.
            await #expect(throws: Problem.self) {
                try await keys.run(key: "k-2", scope: "citizen", endpoint: "intents", body: body, logger: logger) {
                    throw Problem.unprocessable([.init(field: "invoice", message: "no such invoice")])
                }
            }
            let retried = try await keys.run(key: "k-2", scope: "citizen", endpoint: "intents", body: body, logger: logger) {
                .init(status: 201, body: #"{"id":"second"}"#, location: nil)
            }
            #expect(retried.body == #"{"id":"second"}"# && !retried.replayed)
            #expect(!IdempotencyKeys.isValid("") && !IdempotencyKeys.isValid("has space") && !IdempotencyKeys.isValid(String(repeating: "a", count: 256)))
            #expect(IdempotencyKeys.isValid("9f1c-AB-" + String(repeating: "z", count: 200)))
        }
    }

    @Test func theLedgerRefusesAnUnbalancedTransactionAndKeepsRunningBalances() async throws {
        try await withDatabase { database in
            let moment = Date()
            let calendar = try CityProfile.demo().calendar
            try await database.write(logger: logger) { db in
                try await Ledger.post(kind: "payment", reference: "FT1", invoiceID: nil, unit: "phuong-an-cuu", description: "a",
                                      postings: [.debit(Ledger.payerClearing, 120_000), .credit(Ledger.revenue("phuong-an-cuu"), 120_000)], at: moment, calendar: calendar, on: db)
                try await Ledger.post(kind: "payment", reference: "FT2", invoiceID: nil, unit: "phuong-an-cuu", description: "b",
                                      postings: [.debit(Ledger.payerClearing, 30_000), .credit(Ledger.revenue("phuong-an-cuu"), 30_000),
                                                 .debit(Ledger.bankFees("phuong-an-cuu"), 1_100), .credit(Ledger.payerClearing, 1_100)], at: moment, calendar: calendar, on: db)
            }
            await #expect(throws: Problem.self) {
                try await database.write(logger: logger) { db in
                    try await Ledger.post(kind: "payment", reference: "FT3", invoiceID: nil, unit: "phuong-an-cuu", description: "money from nowhere",
                                          postings: [.debit(Ledger.payerClearing, 10_000), .credit(Ledger.revenue("phuong-an-cuu"), 9_000)], at: moment, calendar: calendar, on: db)
                }
            }
            let sql = try database.sql(logger: logger)
            let period = Ledger.period(of: moment, in: calendar)
            let balances = try await Ledger.balances(accounts: [Ledger.revenue("phuong-an-cuu"), Ledger.bankFees("phuong-an-cuu"), Ledger.payerClearing],
                                                     from: period, through: period, on: sql)
            #expect(balances.map(\.balance) == [-150_000, 1_100, 148_900])
            #expect(balances[0].entries == 2)
            let books = try await Ledger.trialBalance(on: sql)
            #expect(books.isBalanced && books.entries == 6)
            // A running balance that no longer matches its entries is caught.
            try await sql.raw("UPDATE ledger_balances SET credit = credit + 1 WHERE account = \(bind: Ledger.revenue("phuong-an-cuu"))").run()
            #expect(try await Ledger.trialBalance(on: sql).balancesAgree == false)
            #expect(Ledger.isPeriod("2026-11") && !Ledger.isPeriod("2026-13") && !Ledger.isPeriod("26-11"))
        }
    }

    @Test func statementsAreReadLineByLineWithQuotedFields() throws {
        let (lines, malformed) = BankStatement.parse([
            "booked_at,amount,transaction_id,description",
            #"2026-11-29,50000,FT1,"Nguyen Van A, chuyen tien ""hoc phi"""#,
            "2026-11-29T10:00:00+07:00,-20000,RF1,hoan tien RF23456789",
            "",
            "2026-11-29,abc,FT2,x",
            "2026-11-29,50000,FT1,again",
        ].joined(separator: "\r\n"), in: try CityProfile.demo().calendar)
        #expect(lines.map(\.transactionId) == ["FT1", "RF1"])
        #expect(lines[0].description == #"Nguyen Van A, chuyen tien "hoc phi""#)
        #expect(lines[1].amount == -20_000)
        #expect(malformed.map(\.line) == [5, 6])
        #expect(PaymentReference.refundReference(in: lines[1].description) == "RF23456789")
        #expect(BankStatement.parse("id,date\n1,2", in: try CityProfile.demo().calendar).malformed.first?.line == 1)
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
