import FluentKit
import Foundation
import Platform
import SQLKit

// A bank confirmation is the payments module's hottest write (every transfer of a tuition deadline lands here), so
// the rows it reads and writes go through plain SQL with column lists known once: Fluent reflects over every property
// of a model on every query, and SQLKit's builder escapes every identifier again on every statement. The records read
// here are for reading only; a later Fluent `update` on them would be taken for a create.

extension InvoiceRecord {
    static let columnList = """
        id, reference, unit_code, payer_id, payer_name, kind, description, amount, paid_amount, refunded_amount, state, due_at, \
        dossier_code, created_by, created_at, updated_at, paid_at
        """

    convenience init(row: some SQLRow) throws {
        self.init()
        id = try row.decode(column: "id", as: UUID.self)
        reference = try row.decode(column: "reference", as: String.self)
        unitCode = try row.decode(column: "unit_code", as: String.self)
        payerID = try row.decode(column: "payer_id", as: String?.self)
        payerName = try row.decode(column: "payer_name", as: String.self)
        kind = try row.decode(column: "kind", as: String.self)
        description = try row.decode(column: "description", as: String.self)
        amount = try row.decode(column: "amount", as: Int.self)
        paidAmount = try row.decode(column: "paid_amount", as: Int.self)
        refundedAmount = try row.decode(column: "refunded_amount", as: Int.self)
        state = try row.decode(column: "state", as: String.self)
        dueAt = try row.decode(column: "due_at", as: Date.self)
        dossierCode = try row.decode(column: "dossier_code", as: String?.self)
        createdBy = try row.decode(column: "created_by", as: String.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
        paidAt = try row.decode(column: "paid_at", as: Date?.self)
    }

    static func read(_ id: UUID, on sql: any SQLDatabase) async throws -> InvoiceRecord? {
        try await sql.raw("SELECT \(unsafeRaw: columnList) FROM payment_invoices WHERE id = \(bind: id)").first().map { try InvoiceRecord(row: $0) }
    }

    static func read(reference: String, on sql: any SQLDatabase) async throws -> InvoiceRecord? {
        try await sql.raw("SELECT \(unsafeRaw: columnList) FROM payment_invoices WHERE reference = \(bind: reference)").first()
            .map { try InvoiceRecord(row: $0) }
    }
}

extension IntentRecord {
    static let columnList = """
        id, reference, invoice_id, amount, state, payload, failure_reason, bank_transaction_id, created_by, created_at, updated_at, expires_at
        """

    convenience init(row: some SQLRow) throws {
        self.init()
        id = try row.decode(column: "id", as: UUID.self)
        reference = try row.decode(column: "reference", as: String.self)
        invoiceID = try row.decode(column: "invoice_id", as: UUID.self)
        amount = try row.decode(column: "amount", as: Int.self)
        state = try row.decode(column: "state", as: String.self)
        payload = try row.decode(column: "payload", as: String.self)
        failureReason = try row.decode(column: "failure_reason", as: String?.self)
        bankTransactionID = try row.decode(column: "bank_transaction_id", as: String?.self)
        createdBy = try row.decode(column: "created_by", as: String.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
        expiresAt = try row.decode(column: "expires_at", as: Date.self)
    }

    static func read(_ id: UUID, on sql: any SQLDatabase) async throws -> IntentRecord? {
        try await sql.raw("SELECT \(unsafeRaw: columnList) FROM payment_intents WHERE id = \(bind: id)").first().map { try IntentRecord(row: $0) }
    }

    func insert(on sql: any SQLDatabase) async throws {
        guard let id else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO payment_intents (\(unsafeRaw: Self.columnList)) VALUES (\(bind: id), \(bind: reference), \(bind: invoiceID), \(bind: amount), \
            \(bind: state), \(bind: payload), \(bind: failureReason), \(bind: bankTransactionID), \(bind: createdBy), \(bind: createdAt), \
            \(bind: updatedAt), \(bind: expiresAt))
            """).run()
    }

    static func read(reference: String, on sql: any SQLDatabase) async throws -> IntentRecord? {
        try await sql.raw("SELECT \(unsafeRaw: columnList) FROM payment_intents WHERE reference = \(bind: reference)").first()
            .map { try IntentRecord(row: $0) }
    }
}

extension BankConfirmationRecord {
    /// What an earlier copy of a confirmation became, for answering a duplicate.
    struct Seen: Sendable {
        let id: UUID
        let outcome: String
        let reason: String?
    }

    static func seen(transactionID: String, on sql: any SQLDatabase) async throws -> Seen? {
        guard let row = try await sql.raw("SELECT id, outcome, reason FROM payment_bank_confirmations WHERE transaction_id = \(bind: transactionID)").first()
        else { return nil }
        return Seen(id: try row.decode(column: "id", as: UUID.self), outcome: try row.decode(column: "outcome", as: String.self),
                    reason: try row.decode(column: "reason", as: String?.self))
    }

    func insert(on sql: any SQLDatabase) async throws {
        guard let id else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO payment_bank_confirmations (id, transaction_id, outcome, reason, intent_id, invoice_id, unit_code, purpose, amount, fee, \
            paid_at, duplicates, received_at, raw) VALUES (\(bind: id), \(bind: transactionID), \(bind: outcome), \(bind: reason), \(bind: intentID), \
            \(bind: invoiceID), \(bind: unitCode), \(bind: purpose), \(bind: amount), \(bind: fee), \(bind: paidAt), \(bind: duplicates), \
            \(bind: receivedAt), \(bind: raw))
            """).run()
    }
}
