import FluentKit
import Foundation
import Platform
import SQLKit

/// The city's double-entry journal of money collected and paid back.
///
/// Accounts: `payer-clearing` (money received at the bank, not yet settled to the treasury), `revenue:<unit>`,
/// `refunds:<unit>` (contra-revenue) and `bank-fees:<unit>`. Debits are positive and credits negative, so every
/// transaction sums to zero and so does the whole journal: money is never created or lost.
public enum Ledger {
    public static let payerClearing = "payer-clearing"
    public static func revenue(_ unit: String) -> String { "revenue:\(unit)" }
    public static func refunds(_ unit: String) -> String { "refunds:\(unit)" }
    public static func bankFees(_ unit: String) -> String { "bank-fees:\(unit)" }

    public struct Posting: Sendable, Equatable {
        public var account: String
        public var amount: Int

        public static func debit(_ account: String, _ amount: Int) -> Posting { Posting(account: account, amount: amount) }
        public static func credit(_ account: String, _ amount: Int) -> Posting { Posting(account: account, amount: -amount) }
    }

    /// Writes one balanced transaction and moves the running balances, in the caller's database transaction.
    @discardableResult
    static func post(kind: String, reference: String, invoiceID: UUID?, unit: String, description: String, postings: [Posting], at moment: Date,
                     calendar: WorkCalendar, on database: any Database) async throws -> UUID {
        guard postings.count >= 2, postings.allSatisfy({ $0.amount != 0 }), postings.reduce(0, { $0 + $1.amount }) == 0 else {
            throw Problem.internal()  // a bug, never input: callers build postings from checked amounts
        }
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        let transactionID = UUID()
        // Plain SQL with fixed columns: every confirmed payment posts here (see PaymentsRows.swift).
        try await sql.raw("""
            INSERT INTO ledger_transactions (id, kind, reference, invoice_id, unit_code, description, posted_at) VALUES (\(bind: transactionID), \
            \(bind: kind), \(bind: reference), \(bind: invoiceID), \(bind: unit), \(bind: description), \(bind: moment))
            """).run()
        let period = Self.period(of: moment, in: calendar)
        // Accounts in a fixed order, so two transactions touching the same balances lock them in the same order.
        for posting in postings.sorted(by: { $0.account < $1.account }) {
            try await sql.raw("""
                INSERT INTO ledger_entries (id, transaction_id, account, amount, period, posted_at) VALUES (\(bind: UUID()), \(bind: transactionID), \
                \(bind: posting.account), \(bind: posting.amount), \(bind: period), \(bind: moment))
                """).run()
            let debit = max(posting.amount, 0)
            let credit = max(-posting.amount, 0)
            try await sql.raw("""
                INSERT INTO ledger_balances (account, period, debit, credit, entries) VALUES (\(bind: posting.account), \(bind: period), \(bind: debit), \(bind: credit), 1)
                ON CONFLICT (account, period) DO UPDATE SET debit = ledger_balances.debit + excluded.debit,
                credit = ledger_balances.credit + excluded.credit, entries = ledger_balances.entries + 1
                """).run()
        }
        return transactionID
    }

    /// `YYYY-MM` in the city's time zone: the period a city accountant reports in.
    public static func period(of moment: Date, in calendar: WorkCalendar) -> String {
        let day = calendar.civilDate(of: moment)
        return String(format: "%04d-%02d", day.year, day.month)
    }

    public static func isPeriod(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let month = Int(parts[1]), Int(parts[0]) != nil else { return false }
        return (1...12).contains(month)
    }

    public struct Balance: Codable, Sendable, Equatable {
        public var account: String
        public var debit: Int
        public var credit: Int
        /// Debit minus credit.
        public var balance: Int
        public var entries: Int
    }

    /// Balances of the given accounts over the periods `from…through` (inclusive), from the running totals.
    public static func balances(accounts: [String], from: String, through: String, on sql: any SQLDatabase) async throws -> [Balance] {
        guard !accounts.isEmpty else { return [] }
        // SUM of BIGINT is NUMERIC in PostgreSQL: cast back so both databases return an integer.
        let rows = try await sql.raw("""
            SELECT account, CAST(SUM(debit) AS BIGINT) AS debit, CAST(SUM(credit) AS BIGINT) AS credit, CAST(SUM(entries) AS BIGINT) AS entries
            FROM ledger_balances WHERE account IN (\(binds: accounts)) AND period >= \(bind: from) AND period <= \(bind: through) GROUP BY account
            """).all()
        var found: [String: Balance] = [:]
        for row in rows {
            let account = try row.decode(column: "account", as: String.self)
            let debit = try row.decode(column: "debit", as: Int.self)
            let credit = try row.decode(column: "credit", as: Int.self)
            found[account] = Balance(account: account, debit: debit, credit: credit, balance: debit - credit,
                                     entries: try row.decode(column: "entries", as: Int.self))
        }
        return accounts.map { found[$0] ?? Balance(account: $0, debit: 0, credit: 0, balance: 0, entries: 0) }
    }

    public struct Movement: Codable, Sendable, Equatable {
        public var kind: String
        public var reference: String
        public var description: String
        /// Money in (positive) or out (negative) of the collection account.
        public var amount: Int
        public var postedAt: Date
    }

    /// A unit's latest payments, refunds and reversals, newest first, as money through the collection account.
    public static func movements(unit: String, limit: Int, on sql: any SQLDatabase) async throws -> [Movement] {
        let rows = try await sql.raw("""
            SELECT t.kind AS kind, t.reference AS reference, t.description AS description, t.posted_at AS posted_at,
            CAST(SUM(CASE WHEN t.kind = 'payment' AND e.amount < 0 THEN 0 ELSE e.amount END) AS BIGINT) AS amount
            FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
            WHERE t.unit_code = \(bind: unit) AND e.account = \(bind: payerClearing)
            GROUP BY t.id, t.kind, t.reference, t.description, t.posted_at ORDER BY t.posted_at DESC LIMIT \(literal: max(1, min(limit, 200)))
            """).all()
        return try rows.map {
            Movement(kind: try $0.decode(column: "kind", as: String.self), reference: try $0.decode(column: "reference", as: String.self),
                     description: try $0.decode(column: "description", as: String.self), amount: try $0.decode(column: "amount", as: Int.self),
                     postedAt: try $0.decode(column: "posted_at", as: Date.self))
        }
    }

    public struct TrialBalance: Codable, Sendable, Equatable {
        /// The sum of every entry: zero when the books balance.
        public var total: Int
        public var entries: Int
        public var unbalancedTransactions: Int
        /// Whether the running balances agree with the entries they summarise.
        public var balancesAgree: Bool
        public var isBalanced: Bool { total == 0 && unbalancedTransactions == 0 && balancesAgree }
    }

    /// Checks the whole journal: what an auditor (and every payments test) asks first.
    public static func trialBalance(on sql: any SQLDatabase) async throws -> TrialBalance {
        let totals = try await sql.raw("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total, COUNT(*) AS entries FROM ledger_entries").first()
        let unbalanced = try await sql.raw("""
            SELECT COUNT(*) AS n FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount) <> 0) AS t
            """).first()
        let disagreeing = try await sql.raw("""
            SELECT COUNT(*) AS n FROM (SELECT account, period, SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS d,
            SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS c, COUNT(*) AS e FROM ledger_entries GROUP BY account, period) AS s
            LEFT JOIN ledger_balances b ON b.account = s.account AND b.period = s.period
            WHERE b.account IS NULL OR b.debit <> s.d OR b.credit <> s.c OR b.entries <> s.e
            """).first()
        return TrialBalance(total: try totals?.decode(column: "total", as: Int.self) ?? 0,
                            entries: try totals?.decode(column: "entries", as: Int.self) ?? 0,
                            unbalancedTransactions: try unbalanced?.decode(column: "n", as: Int.self) ?? 0,
                            balancesAgree: (try disagreeing?.decode(column: "n", as: Int.self) ?? 0) == 0)
    }
}
