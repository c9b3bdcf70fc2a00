import App
import Crypto
import FluentKit
import Foundation
import Identity
import Logging
import Payments
import Platform
import SQLKit
import Synchronization

/// Payment benchmarks, in process (no HTTP): invoices and payment intents per second, signed bank confirmations per
/// second (HMAC check, matching, ledger posting, exactly-once bookkeeping), and a unit's ledger balance with many
/// transactions in the journal.
///
/// Usage: hues-payment-bench [--database postgres://… | --sqlite PATH] [--transactions 1000000] [--seconds 10] [--concurrency 8]
/// A database named with --database or --sqlite is kept; a later run that finds the synthetic journal skips loading it.
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
let seconds = Double(option("--seconds") ?? "") ?? 10
let concurrency = Int(option("--concurrency") ?? "") ?? 8
let population = Int(option("--transactions") ?? "") ?? 1_000_000
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-payment-bench-\(UUID().uuidString.prefix(8))").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let location: DatabaseLocation = option("--database").map { .postgres(url: $0) } ?? .sqlite(path: option("--sqlite") ?? folder + "/bench.sqlite")
var configuration = HuesConfiguration.testing(dataDirectory: folder, database: location)
configuration.logLevel = .error
let bankSecret = "bench-bank-secret-0123456789abcdef0123"
configuration.bankWebhookSecret = bankSecret
let runtime = try await HuesRuntime.make(configuration: configuration)
try await runtime.migrate()
_ = try await runtime.seedDemo(includingHistory: false)
let logger = Logger(label: "bench")
let payments = (try runtime.require(PaymentsModule.self)).payments
say("database: \(runtime.database.kind.rawValue), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(concurrency) concurrent callers")

func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func principal(_ username: String) async throws -> Principal {
    guard let account = try await runtime.identity.accounts.find(username: username, logger: logger) else { fatalError("no demo \(username)") }
    return Principal(accountID: account.id.uuidString, username: username, displayName: account.displayName, grants: account.roles, credential: .accessToken)
}
let officer = try await principal("officer")
let citizen = try await principal("citizen")

/// Runs `work` from `concurrency` callers for `seconds` or until the items run out, each call on its own item; returns
/// latencies in ms and the wall time taken (a run that used every item is shorter than `seconds`).
func measure<Item: Sendable>(_ items: [Item], _ work: @escaping @Sendable (Item) async throws -> Void) async throws
    -> (count: Int, samples: [Double], elapsed: Double) {
    let started = Date()
    let deadline = started.addingTimeInterval(seconds)
    let next = Counter()
    return try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var samples: [Double] = []
                while Date() < deadline {
                    let index = next.increment()
                    guard index < items.count else { break }
                    let started = Date()
                    try await work(items[index])
                    samples.append(Date().timeIntervalSince(started) * 1000)
                }
                return samples
            }
        }
        var all: [Double] = []
        for try await samples in group { all += samples }
        return (all.count, all, Date().timeIntervalSince(started))
    }
}

final class IntentList: Sendable {
    private let items = Mutex<[IntentView]>([])
    func append(_ intent: IntentView) { items.withLock { $0.append(intent) } }
    func all() -> [IntentView] { items.withLock { $0 } }
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { current in defer { current += 1 }; return current } }
}

// 1. Invoices, then one payment intent for each, then the bank's signed confirmation of each.
let formatter = DateFormatter()
formatter.dateFormat = "yyyy-MM-dd"
let due = formatter.string(from: Date().addingTimeInterval(30 * 86_400))
let invoiceRun = try await measure(Array(0..<1_000_000)) { index in
    _ = try await payments.issue(NewInvoice(unit: "phuong-phu-xuan", payer: .init(accountId: citizen.accountID, name: citizen.displayName), kind: .bill,
                                            description: "Phí bench \(index)", amount: 10_000 + index % 90_000, dueDate: due), by: officer, logger: logger)
}
say(String(format: "invoices issued: %.0f/s (p50 %.1f ms, p99 %.1f ms)", Double(invoiceRun.count) / invoiceRun.elapsed, percentile(invoiceRun.samples, 0.5),
           percentile(invoiceRun.samples, 0.99)))
let open = try await payments.mine(citizen, paging: Paging(limit: invoiceRun.count), logger: logger).filter { $0.state == .open }
let intents = IntentList()
let intentRun = try await measure(open) { invoice in
    intents.append(try await payments.createIntent(NewIntent(invoice: invoice.id.uuidString), by: citizen, logger: logger))
}
say(String(format: "payment intents (VietQR payload): %.0f/s (p50 %.1f ms, p99 %.1f ms)", Double(intentRun.count) / intentRun.elapsed,
           percentile(intentRun.samples, 0.5), percentile(intentRun.samples, 0.99)))
let key = SymmetricKey(data: Data(bankSecret.utf8))
let encoder = JSONEncoder()
encoder.dateEncodingStrategy = .iso8601
let confirmationRun = try await measure(intents.all()) { intent in
    let body = try encoder.encode(BankConfirmation(transactionId: "FT-BENCH-\(intent.reference)", status: .success, amount: intent.amount, purpose: intent.reference,
                                                   bankBin: intent.beneficiary.bankBin, accountNumber: intent.beneficiary.accountNumber, paidAt: Date()))
    let outcome = try await (try runtime.require(PaymentsModule.self)).confirmations.receive(body: body, signature: BankConfirmations.sign(body, secret: key), logger: logger)
    precondition(outcome.outcome == .applied, "confirmation not applied: \(outcome)")
}
say(String(format: "bank confirmations applied: %.0f/s (p50 %.1f ms, p99 %.1f ms)", Double(confirmationRun.count) / confirmationRun.elapsed,
           percentile(confirmationRun.samples, 0.5), percentile(confirmationRun.samples, 0.99)))

// `--writes-only` stops after the write measurements (the write-path figures in the README).
if CommandLine.arguments.contains("--writes-only") {
    await runtime.database.shutdown()
    exit(0)
}

// 2. A journal of `population` payment transactions over 12 months and every unit, loaded in bulk.
let sql = try runtime.database.sql(logger: logger)
let units = runtime.profile.units.map(\.code)
let existing = try await sql.raw("SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind = 'bench'").first()?.decode(column: "n", as: Int.self) ?? 0
if existing < population {
    let started = Date()
    let batch = 1000
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt
    let yearAgo = Date().addingTimeInterval(-365 * 86_400)
    var loaded = existing
    while loaded < population {
        let count = min(batch, population - loaded)
        let first = loaded
        try await runtime.database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { return }
            let transactions = sql.insert(into: "ledger_transactions").columns("id", "kind", "reference", "unit_code", "description", "posted_at")
            let entries = sql.insert(into: "ledger_entries").columns("id", "transaction_id", "account", "amount", "period", "posted_at")
            for offset in 0..<count {
                let index = first + offset
                let id = UUID()
                let unit = units[index % units.count]
                let posted = yearAgo.addingTimeInterval(Double(index) / Double(population) * 365 * 86_400)
                let period = Ledger.period(of: posted, in: payments.calendar)
                let amount = 5_000 + (index * 7919) % 500_000
                transactions.values(SQLBind(id), SQLBind("bench"), SQLBind("FT-SYN-\(index)"), SQLBind(unit), SQLBind("synthetic"), SQLBind(posted))
                entries.values(SQLBind(UUID()), SQLBind(id), SQLBind(Ledger.payerClearing), SQLBind(amount), SQLBind(period), SQLBind(posted))
                entries.values(SQLBind(UUID()), SQLBind(id), SQLBind(Ledger.revenue(unit)), SQLBind(-amount), SQLBind(period), SQLBind(posted))
            }
            try await transactions.run()
            try await entries.run()
        }
        loaded += count
        if loaded % 100_000 == 0 { say("  loaded \(loaded) transactions (\(Int(Date().timeIntervalSince(started))) s)") }
    }
    // The running balances, rebuilt from the entries as the posting code would have kept them.
    try await runtime.database.write(logger: logger) { db in
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("DELETE FROM ledger_balances").run()
        try await sql.raw("""
            INSERT INTO ledger_balances (account, period, debit, credit, entries)
            SELECT account, period, SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END), SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END), COUNT(*)
            FROM ledger_entries GROUP BY account, period
            """).run()
    }
    say("journal of \(population) transactions loaded in \(Int(Date().timeIntervalSince(started))) s")
}
let checkStarted = Date()
let books = try await Ledger.trialBalance(on: sql)
say(String(format: "trial balance over %d entries: %@ in %.1f s", books.entries, books.isBalanced ? "balanced" : "NOT BALANCED",
           Date().timeIntervalSince(checkStarted)))

// 3. A unit's balance over a random span of months, 2,000 times: from the running balances (what the API serves)
// and, for comparison, summed from the entries themselves.
var generator = SystemRandomNumberGenerator()
let periods = (0..<13).map { Ledger.period(of: Date().addingTimeInterval(-Double($0) * 30 * 86_400), in: payments.calendar) }.sorted()
var fromBalances: [Double] = []
var fromEntries: [Double] = []
for _ in 0..<2000 {
    let unit = units[Int(generator.next(upperBound: UInt32(units.count)))]
    let a = Int(generator.next(upperBound: UInt32(periods.count)))
    let b = Int(generator.next(upperBound: UInt32(periods.count)))
    let (from, through) = (periods[min(a, b)], periods[max(a, b)])
    var started = Date()
    _ = try await Ledger.balances(accounts: [Ledger.revenue(unit), Ledger.refunds(unit), Ledger.bankFees(unit)], from: from, through: through, on: sql)
    fromBalances.append(Date().timeIntervalSince(started) * 1000)
    started = Date()
    let _: [any SQLRow] = try await sql.raw("""
        SELECT account, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_entries
        WHERE account IN (\(binds: [Ledger.revenue(unit), Ledger.refunds(unit), Ledger.bankFees(unit)])) AND period >= \(bind: from) AND period <= \(bind: through)
        GROUP BY account
        """).all()
    fromEntries.append(Date().timeIntervalSince(started) * 1000)
}
say(String(format: "unit ledger balance with %d transactions, 2000 queries: p50 %.2f ms, p99 %.2f ms (summing the entries instead: p50 %.1f ms, p99 %.1f ms)",
           books.entries / 2, percentile(fromBalances, 0.5), percentile(fromBalances, 0.99), percentile(fromEntries, 0.5), percentile(fromEntries, 0.99)))
await runtime.database.shutdown()
if option("--sqlite") == nil && option("--database") == nil { try? FileManager.default.removeItem(atPath: folder) }
