import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Matches a bank statement (CSV) against the payments and refunds the ledger recorded.
///
/// Statement columns, with a header row: `transaction_id,booked_at,amount,description`. Credits are positive,
/// refunds paid out negative (their description carries the refund reference). Lines that cannot be read are
/// reported by number and the rest are still matched.
public struct ReconciliationReport: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var line: Int?
        public var transactionId: String
        public var statementAmount: Int?
        public var ledgerAmount: Int?
        public var note: String?
    }

    public struct Malformed: Codable, Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    public var id: UUID?
    public var fileName: String
    /// The unit whose collection account was reconciled; nil for the whole city.
    public var unit: String?
    public var from: Date?
    public var through: Date?
    public var matched: [Line]
    public var amountMismatches: [Line]
    /// On the statement, not in the ledger: money arrived that nobody credited (or a refund nobody recorded).
    public var missingInLedger: [Line]
    /// In the ledger, not on the statement: a credit the bank does not show.
    public var missingInStatement: [Line]
    public var malformed: [Malformed]
    public var createdAt: Date?

    public var isClean: Bool { amountMismatches.isEmpty && missingInLedger.isEmpty && missingInStatement.isEmpty && malformed.isEmpty }
}

public struct StatementLine: Sendable, Equatable {
    public var line: Int
    public var transactionId: String
    public var bookedAt: Date
    public var amount: Int
    public var description: String
}

public enum BankStatement {
    /// Parses the CSV; every line that is not a statement line is reported with its number and why. A day without a
    /// time (`2026-11-29`) starts at midnight in the city (`calendar`).
    public static func parse(_ text: String, in calendar: WorkCalendar) -> (lines: [StatementLine], malformed: [ReconciliationReport.Malformed]) {
        var lines: [StatementLine] = []
        var malformed: [ReconciliationReport.Malformed] = []
        let (header, rows, more) = CSVText.records(text, limit: mostLines)
        guard let idColumn = header.firstIndex(of: "transaction_id"), let dateColumn = header.firstIndex(of: "booked_at"),
              let amountColumn = header.firstIndex(of: "amount")
        else { return ([], [.init(line: 1, reason: "the header must name transaction_id, booked_at and amount")]) }
        let descriptionColumn = header.firstIndex(of: "description")
        var seen: Set<String> = []
        for (number, values) in rows {
            guard values.count >= header.count else { malformed.append(.init(line: number, reason: "expected \(header.count) columns, found \(values.count)")); continue }
            let id = values[idColumn].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { malformed.append(.init(line: number, reason: "no transaction_id")); continue }
            guard let date = parseDate(values[dateColumn], in: calendar) else { malformed.append(.init(line: number, reason: "booked_at '\(values[dateColumn])' is not a date")); continue }
            let amountText = values[amountColumn].trimmingCharacters(in: .whitespaces)
            guard let amount = Int(amountText), amount != 0 else {
                malformed.append(.init(line: number, reason: "amount '\(amountText)' is not a whole, non-zero number of VND")); continue
            }
            guard seen.insert(id).inserted else { malformed.append(.init(line: number, reason: "transaction \(id) appears twice")); continue }
            lines.append(StatementLine(line: number, transactionId: id, bookedAt: date, amount: amount,
                                       description: descriptionColumn.map { values[$0] } ?? ""))
        }
        if more { malformed.append(.init(line: (rows.last?.line ?? 1) + 1, reason: "a statement holds at most \(mostLines) lines; split it and send the rest again")) }
        return (lines, malformed)
    }

    /// A city's busiest day of payments, many times over; the reasons for bad lines are kept for at most as many.
    static let mostLines = 100_000

    static let instant = Date.ISO8601FormatStyle()

    static func parseDate(_ text: String, in calendar: WorkCalendar) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count <= 40 else { return nil }
        if let date = try? instant.parse(trimmed) { return date }
        if let civil = CivilDate(trimmed) { return calendar.instant(civil, secondsIntoDay: 0) }
        return nil
    }
}

extension PaymentService {
    /// Matches the statement against the ledger over the days the statement covers, and keeps the report.
    public func reconcile(_ text: String, fileName: String, unit: String?, by actor: String, logger: Logger) async throws -> ReconciliationReport {
        let (lines, malformed) = BankStatement.parse(text, in: calendar)
        var report = ReconciliationReport(id: nil, fileName: fileName, unit: unit, from: nil, through: nil, matched: [], amountMismatches: [], missingInLedger: [],
                                          missingInStatement: [], malformed: malformed, createdAt: Date())
        if let first = lines.map(\.bookedAt).min(), let last = lines.map(\.bookedAt).max() {
            // Whole days in the city's time: a statement covers days.
            let from = calendar.instant(calendar.civilDate(of: first), secondsIntoDay: 0)
            let through = calendar.instant(calendar.civilDate(of: last).adding(days: 1), secondsIntoDay: 0)
            report.from = from
            report.through = through
            // Money through the collection account per transaction: the gross amount of a payment (fees come off
            // afterwards), the amount paid out for a refund (a refund the bank refused nets to zero with its reversal
            // and is left out). One grouped query, however long the day.
            let sql = try database.sql(logger: logger)
            let unitFilter: SQLQueryString = unit.map { "AND t.unit_code = \(bind: $0)" } ?? ""
            let rows = try await sql.raw("""
                SELECT t.reference AS reference, CAST(SUM(CASE WHEN t.kind = 'payment' AND e.amount < 0 THEN 0 ELSE e.amount END) AS BIGINT) AS amount
                FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
                WHERE e.account = \(bind: Ledger.payerClearing) AND t.posted_at >= \(bind: from) AND t.posted_at < \(bind: through) \(unitFilter)
                GROUP BY t.reference
                HAVING SUM(CASE WHEN t.kind = 'payment' AND e.amount < 0 THEN 0 ELSE e.amount END) <> 0
                """).all()
            var amounts: [String: Int] = [:]
            for row in rows { amounts[try row.decode(column: "reference", as: String.self)] = try row.decode(column: "amount", as: Int.self) }
            var matchedIDs: Set<String> = []
            for line in lines {
                let key = line.amount < 0 ? PaymentReference.refundReference(in: line.description) ?? line.transactionId : line.transactionId
                guard let ledger = amounts[key] else {
                    report.missingInLedger.append(.init(line: line.line, transactionId: line.transactionId, statementAmount: line.amount, note: line.description))
                    continue
                }
                matchedIDs.insert(key)
                let entry = ReconciliationReport.Line(line: line.line, transactionId: line.transactionId, statementAmount: line.amount, ledgerAmount: ledger,
                                                      note: key == line.transactionId ? nil : key)
                if ledger == line.amount { report.matched.append(entry) } else { report.amountMismatches.append(entry) }
            }
            for (reference, amount) in amounts.sorted(by: { $0.key < $1.key }) where !matchedIDs.contains(reference) {
                report.missingInStatement.append(.init(line: nil, transactionId: reference, statementAmount: nil, ledgerAmount: amount, note: nil))
            }
        }
        let stored = report
        let id = try await database.write(logger: logger) { db in
            let record = ReconciliationRecord()
            record.id = UUID()
            record.fileName = fileName
            record.unitCode = unit
            record.createdBy = actor
            record.createdAt = stored.createdAt ?? Date()
            record.report = try JSONColumn.encode(stored)
            try await record.create(on: db)
            try await EventLog.append(try DomainEvent(type: "payments.statement.reconciled", actorID: actor, subject: fileName,
                                                      payload: ["matched": stored.matched.count, "mismatched": stored.amountMismatches.count,
                                                                "missingInLedger": stored.missingInLedger.count,
                                                                "missingInStatement": stored.missingInStatement.count, "malformed": stored.malformed.count]),
                                      on: db)
            return try record.requireID()
        }
        report.id = id
        return report
    }

    /// Past reconciliations, newest first: every one for finance, a unit's own for its staff.
    public func reconciliations(for principal: Principal, limit: Int, logger: Logger) async throws -> [ReconciliationReport] {
        var query = ReconciliationRecord.query(on: try database.db(logger: logger))
        if !seesEveryUnit(principal) { query = query.filter(\.$unitCode ~~ principal.grants.staffUnits) }
        // A damaged report is logged and fails the request: a past reconciliation never silently drops out of the list.
        return try await query.sort(\.$createdAt, .descending).limit(limit).all().map { record -> ReconciliationReport in
            let id = try record.requireID()
            var report = try JSONColumn.decode(ReconciliationReport.self, from: record.report, table: ReconciliationRecord.schema,
                                               column: "report", row: id.uuidString, logger: logger)
            report.id = id
            return report
        }
    }
}

extension PaymentReference {
    static func refundReference(in text: String) -> String? {
        text.uppercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .first { $0.count == 10 && $0.hasPrefix("RF") && $0.dropFirst(2).allSatisfy { alphabet.contains($0) } }.map(String.init)
    }
}
