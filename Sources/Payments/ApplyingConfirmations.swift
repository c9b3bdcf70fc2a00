import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// The stored row of one confirmation, written once, with whatever became of it, in the transaction that applied it.
private struct ConfirmationEntry: Sendable {
    let row: BankConfirmationRecord
    let confirmation: BankConfirmation
    let db: any Database
    let sql: any SQLDatabase

    func finish(_ outcome: ConfirmationOutcome.Kind, _ reason: String? = nil, payment: String? = nil) async throws -> ConfirmationOutcome {
        row.outcome = outcome.rawValue
        row.reason = reason
        try await row.insert(on: sql)
        if outcome == .rejected {
            try await EventLog.append(try DomainEvent(type: "payments.confirmation.rejected", unitCode: row.unitCode, subject: confirmation.transactionId,
                                                      payload: ["reason": reason ?? "", "amount": String(confirmation.amount)]), on: db)
        }
        return ConfirmationOutcome(outcome: outcome, reason: reason, payment: payment)
    }
}

/// A confirmation matched to its payment attempt and invoice, on the right account for the right amount.
private struct ConfirmationMatch: Sendable {
    let confirmation: BankConfirmation
    let intent: IntentRecord
    let intentID: UUID
    let invoice: InvoiceRecord
    let invoiceID: UUID
    let now: Date
}

extension BankConfirmations {
    func apply(_ confirmation: BankConfirmation, raw: Data, logger: Logger) async throws -> ConfirmationOutcome {
        try await payments.database.write(logger: logger) { [self] db in try await settle(confirmation, raw: raw, on: db) }
    }

    /// Matches a confirmation and applies it by its status. Whatever the outcome, the confirmation is kept once.
    private func settle(_ confirmation: BankConfirmation, raw: Data, on db: any Database) async throws -> ConfirmationOutcome {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        if let seen = try await BankConfirmationRecord.seen(transactionID: Self.key(confirmation), on: sql) {
            try await sql.raw("UPDATE payment_bank_confirmations SET duplicates = duplicates + 1 WHERE id = \(bind: seen.id)").run()
            return ConfirmationOutcome(outcome: .duplicate, reason: seen.outcome == ConfirmationOutcome.Kind.applied.rawValue ? nil : seen.reason, payment: nil)
        }
        let entry = ConfirmationEntry(row: Self.newRow(for: confirmation, raw: raw), confirmation: confirmation, db: db, sql: sql)
        if let mismatch = Self.qrMismatch(confirmation) { return try await entry.finish(.rejected, mismatch) }
        guard let reference = PaymentReference.intentReference(in: confirmation.purpose),
              let intent = try await IntentRecord.read(reference: reference, on: sql), let intentID = intent.id,
              let invoice = try await InvoiceRecord.read(intent.invoiceID, on: sql), let invoiceID = invoice.id
        else { return try await entry.finish(.rejected, "unknown-reference") }
        entry.row.intentID = intentID
        entry.row.invoiceID = invoiceID
        entry.row.unitCode = invoice.unitCode
        let account = try payments.beneficiary(of: intent, invoice: invoice)
        guard confirmation.bankBin == account.bankBin, confirmation.accountNumber == account.accountNumber else {
            return try await entry.finish(.rejected, "wrong-account", payment: intent.reference)
        }
        guard confirmation.amount == intent.amount else { return try await entry.finish(.rejected, "amount-mismatch", payment: intent.reference) }
        let match = ConfirmationMatch(confirmation: confirmation, intent: intent, intentID: intentID, invoice: invoice, invoiceID: invoiceID, now: Date())
        switch confirmation.status {
        case .pending: return try await applyPending(match, entry: entry, sql: sql)
        case .failed, .error: return try await applyFailure(match, entry: entry, sql: sql)
        case .success: return try await applySuccess(match, entry: entry, sql: sql)
        }
    }

    private static func newRow(for confirmation: BankConfirmation, raw: Data) -> BankConfirmationRecord {
        let row = BankConfirmationRecord()
        row.id = UUID()
        row.transactionID = key(confirmation)
        row.purpose = confirmation.purpose
        row.amount = confirmation.amount
        row.fee = confirmation.fee
        row.paidAt = confirmation.paidAt
        row.duplicates = 0
        row.receivedAt = Date()
        row.raw = String(decoding: raw.prefix(4096), as: UTF8.self)
        return row
    }

    /// A payload the bank echoes must be a valid VietQR saying the same as the message: same account, amount and payment.
    private static func qrMismatch(_ confirmation: BankConfirmation) -> String? {
        guard let payload = confirmation.qrPayload else { return nil }
        guard let qr = try? VietQR.decode(payload) else { return "invalid-qr" }
        guard qr.bankBIN == confirmation.bankBin, qr.accountNumber == confirmation.accountNumber, qr.amount == confirmation.amount,
              PaymentReference.intentReference(in: qr.purpose ?? "") == PaymentReference.intentReference(in: confirmation.purpose)
        else { return "qr-mismatch" }
        return nil
    }

    /// The payer's bank took the order: the attempt waits for the money, unless it has already moved on.
    private func applyPending(_ match: ConfirmationMatch, entry: ConfirmationEntry, sql: any SQLDatabase) async throws -> ConfirmationOutcome {
        let moved = try await sql.raw("""
            UPDATE payment_intents SET state = 'submitted', updated_at = \(bind: match.now) WHERE id = \(bind: match.intentID) AND state IN ('created', 'started')
            RETURNING id
            """).all()
        return try await entry.finish(moved.isEmpty ? .stale : .applied, payment: match.intent.reference)
    }

    /// The transfer failed: the attempt ends, unless it already succeeded or ended, and the service that asked hears of it.
    private func applyFailure(_ match: ConfirmationMatch, entry: ConfirmationEntry, sql: any SQLDatabase) async throws -> ConfirmationOutcome {
        let confirmation = match.confirmation
        let state = confirmation.status == .failed ? "failed" : "error"
        let moved = try await sql.raw("""
            UPDATE payment_intents SET state = \(bind: state), failure_reason = \(bind: confirmation.reason ?? "declined by the bank"),
            updated_at = \(bind: match.now) WHERE id = \(bind: match.intentID) AND state IN ('created', 'started', 'submitted') RETURNING id
            """).all()
        if !moved.isEmpty {
            try await EventLog.append(DomainEvent(type: "payments.intent.\(state)", unitCode: match.invoice.unitCode, subject: match.intent.reference),
                                      on: entry.db)
            try await payments.outbox.enqueue("payment.failed", data: PaymentEvent(invoice: try payments.view(match.invoice),
                                                                                   payment: try payments.view(match.intent, invoice: match.invoice)),
                                              on: entry.db)
        }
        return try await entry.finish(moved.isEmpty ? .stale : .applied, payment: match.intent.reference)
    }

    /// The money arrived: the invoice is paid, the attempt succeeds, the ledger records it and everyone waiting hears.
    private func applySuccess(_ match: ConfirmationMatch, entry: ConfirmationEntry, sql: any SQLDatabase) async throws -> ConfirmationOutcome {
        let confirmation = match.confirmation
        // The invoice first: only an open invoice takes money, whichever attempt the money came through.
        let paid = try await sql.raw("""
            UPDATE payment_invoices SET state = 'paid', paid_amount = amount, paid_at = \(bind: confirmation.paidAt), updated_at = \(bind: match.now)
            WHERE id = \(bind: match.invoiceID) AND state IN ('open', 'expired') AND amount = \(bind: confirmation.amount) RETURNING id
            """).all()
        guard !paid.isEmpty else { return try await entry.finish(.rejected, "invoice-not-payable", payment: match.intent.reference) }
        try await sql.raw("""
            UPDATE payment_intents SET state = 'success', bank_transaction_id = \(bind: confirmation.transactionId), failure_reason = NULL,
            updated_at = \(bind: match.now) WHERE id = \(bind: match.intentID)
            """).run()
        try await postPayment(match, on: entry.db)
        try await announceSuccess(match, on: entry.db)
        return try await entry.finish(.applied, payment: match.intent.reference)
    }

    /// The payment into the unit's revenue, and the bank's fee, if any, out of it.
    private func postPayment(_ match: ConfirmationMatch, on db: any Database) async throws {
        let confirmation = match.confirmation
        let invoice = match.invoice
        let fee = confirmation.fee ?? 0
        var postings: [Ledger.Posting] = [.debit(Ledger.payerClearing, confirmation.amount), .credit(Ledger.revenue(invoice.unitCode), confirmation.amount)]
        if fee > 0 { postings += [.debit(Ledger.bankFees(invoice.unitCode), fee), .credit(Ledger.payerClearing, fee)] }
        try await Ledger.post(kind: "payment", reference: confirmation.transactionId, invoiceID: match.invoiceID, unit: invoice.unitCode,
                              description: "\(invoice.reference) \(invoice.description)", postings: postings, at: confirmation.paidAt,
                              calendar: payments.calendar, on: db)
    }

    /// A paid dossier fee lets the dossier move on; the event log and the asking service hear of every payment.
    private func announceSuccess(_ match: ConfirmationMatch, on db: any Database) async throws {
        let confirmation = match.confirmation
        guard let sql = db as? any SQLDatabase, let freshInvoice = try await InvoiceRecord.read(match.invoiceID, on: sql),
              let freshIntent = try await IntentRecord.read(match.intentID, on: sql)
        else { throw Problem.internal() }
        let invoiceView = try payments.view(freshInvoice)
        if invoiceView.kind == .fee, let dossier = invoiceView.dossierCode {
            let fee = SettledFee(dossierCode: dossier, invoiceReference: invoiceView.reference, amount: invoiceView.amount)
            for listener in payments.capabilities.all((any FeeSettlement).self) { try await listener.feePaid(fee, on: db) }
        }
        try await EventLog.append(try DomainEvent(type: "payments.intent.succeeded", actorName: confirmation.payerName, unitCode: match.invoice.unitCode,
                                                  subject: match.intent.reference,
                                                  payload: ["invoice": match.invoice.reference, "amount": String(confirmation.amount),
                                                            "bankTransaction": confirmation.transactionId]), on: db)
        try await payments.outbox.enqueue("payment.succeeded", data: PaymentEvent(invoice: invoiceView, payment: try payments.view(freshIntent, invoice: freshInvoice)),
                                          on: db)
    }
}
