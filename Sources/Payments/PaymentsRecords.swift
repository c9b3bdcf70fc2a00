import FluentKit
import Foundation
import Platform
import SQLKit

/// A sum a unit asks a payer to pay: a dossier fee, a bill, tuition.
final class InvoiceRecord: Model, @unchecked Sendable {
    static let schema = "payment_invoices"

    @ID(key: .id) var id: UUID?
    @Field(key: "reference") var reference: String
    @Field(key: "unit_code") var unitCode: String
    @OptionalField(key: "payer_id") var payerID: String?
    @Field(key: "payer_name") var payerName: String
    @Field(key: "kind") var kind: String
    @Field(key: "description") var description: String
    @Field(key: "amount") var amount: Int
    @Field(key: "paid_amount") var paidAmount: Int
    @Field(key: "refunded_amount") var refundedAmount: Int
    @Field(key: "state") var state: String
    @Field(key: "due_at") var dueAt: Date
    @OptionalField(key: "dossier_code") var dossierCode: String?
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "paid_at") var paidAt: Date?

    init() {}
}

/// One attempt to pay an invoice, with the VietQR payload the payer scans.
final class IntentRecord: Model, @unchecked Sendable {
    static let schema = "payment_intents"

    @ID(key: .id) var id: UUID?
    @Field(key: "reference") var reference: String
    @Field(key: "invoice_id") var invoiceID: UUID
    @Field(key: "amount") var amount: Int
    @Field(key: "state") var state: String
    @Field(key: "payload") var payload: String
    @OptionalField(key: "failure_reason") var failureReason: String?
    @OptionalField(key: "bank_transaction_id") var bankTransactionID: String?
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

/// A client's `Idempotency-Key` with the response it got, so a retry gets the same answer.
final class IdempotencyRecord: Model, @unchecked Sendable {
    static let schema = "payment_idempotency"

    @ID(key: .id) var id: UUID?
    @Field(key: "scope") var scope: String
    @Field(key: "endpoint") var endpoint: String
    @Field(key: "key") var key: String
    @Field(key: "body_hash") var bodyHash: String
    @Field(key: "state") var state: String
    @OptionalField(key: "status_code") var statusCode: Int?
    @OptionalField(key: "response_body") var responseBody: String?
    @OptionalField(key: "location") var location: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// Every confirmation the bank sent, applied or not: the audit trail of money arriving.
final class BankConfirmationRecord: Model, @unchecked Sendable {
    static let schema = "payment_bank_confirmations"

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "transaction_id") var transactionID: String?
    @Field(key: "outcome") var outcome: String
    @OptionalField(key: "reason") var reason: String?
    @OptionalField(key: "intent_id") var intentID: UUID?
    @OptionalField(key: "invoice_id") var invoiceID: UUID?
    @OptionalField(key: "unit_code") var unitCode: String?
    @OptionalField(key: "purpose") var purpose: String?
    @OptionalField(key: "amount") var amount: Int?
    @OptionalField(key: "fee") var fee: Int?
    @OptionalField(key: "paid_at") var paidAt: Date?
    @Field(key: "duplicates") var duplicates: Int
    @Field(key: "received_at") var receivedAt: Date
    @Field(key: "raw") var raw: String

    init() {}
}

final class RefundRecord: Model, @unchecked Sendable {
    static let schema = "payment_refunds"

    @ID(key: .id) var id: UUID?
    @Field(key: "reference") var reference: String
    @Field(key: "invoice_id") var invoiceID: UUID
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "amount") var amount: Int
    @Field(key: "reason") var reason: String
    @Field(key: "state") var state: String
    @OptionalField(key: "bank_reference") var bankReference: String?
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class LedgerTransactionRecord: Model, @unchecked Sendable {
    static let schema = "ledger_transactions"

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: String
    @Field(key: "reference") var reference: String
    @OptionalField(key: "invoice_id") var invoiceID: UUID?
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "description") var description: String
    @Field(key: "posted_at") var postedAt: Date

    init() {}
}

final class LedgerEntryRecord: Model, @unchecked Sendable {
    static let schema = "ledger_entries"

    @ID(key: .id) var id: UUID?
    @Field(key: "transaction_id") var transactionID: UUID
    @Field(key: "account") var account: String
    /// Debits are positive, credits negative: a transaction's entries sum to zero.
    @Field(key: "amount") var amount: Int
    @Field(key: "period") var period: String
    @Field(key: "posted_at") var postedAt: Date

    init() {}
}

final class WebhookSubscriptionRecord: Model, @unchecked Sendable {
    static let schema = "payment_webhook_subscriptions"

    @ID(key: .id) var id: UUID?
    @Field(key: "service_code") var serviceCode: String
    @Field(key: "url") var url: String
    @Field(key: "sealed_secret") var sealedSecret: String
    @Field(key: "events") var events: String
    @Field(key: "active") var active: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

final class WebhookDeliveryRecord: Model, @unchecked Sendable {
    static let schema = "payment_webhook_deliveries"

    @ID(key: .id) var id: UUID?
    @Field(key: "subscription_id") var subscriptionID: UUID
    @Field(key: "event_id") var eventID: String
    @Field(key: "event_type") var eventType: String
    @Field(key: "body") var body: String
    @Field(key: "state") var state: String
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "last_status") var lastStatus: Int?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

final class ReconciliationRecord: Model, @unchecked Sendable {
    static let schema = "payment_reconciliations"

    @ID(key: .id) var id: UUID?
    @Field(key: "file_name") var fileName: String
    /// The unit whose collection account the statement is for; nil for the city's whole collection.
    @OptionalField(key: "unit_code") var unitCode: String?
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "report") var report: String

    init() {}
}

struct CreatePaymentsTables: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(InvoiceRecord.schema)
            .id()
            .field("reference", .string, .required)
            .field("unit_code", .string, .required)
            .field("payer_id", .string)
            .field("payer_name", .string, .required)
            .field("kind", .string, .required)
            .field("description", .string, .required)
            .field("amount", .int64, .required)
            .field("paid_amount", .int64, .required)
            .field("refunded_amount", .int64, .required)
            .field("state", .string, .required)
            .field("due_at", .datetime, .required)
            .field("dossier_code", .string)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("paid_at", .datetime)
            .unique(on: "reference")
            .create()
        try await database.schema(IntentRecord.schema)
            .id()
            .field("reference", .string, .required)
            .field("invoice_id", .uuid, .required, .references(InvoiceRecord.schema, "id"))
            .field("amount", .int64, .required)
            .field("state", .string, .required)
            .field("payload", .string, .required)
            .field("failure_reason", .string)
            .field("bank_transaction_id", .string)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.schema(IdempotencyRecord.schema)
            .id()
            .field("scope", .string, .required)
            .field("endpoint", .string, .required)
            .field("key", .string, .required)
            .field("body_hash", .string, .required)
            .field("state", .string, .required)
            .field("status_code", .int)
            .field("response_body", .string)
            .field("location", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "scope", "endpoint", "key")
            .create()
        try await database.schema(BankConfirmationRecord.schema)
            .id()
            .field("transaction_id", .string)
            .field("outcome", .string, .required)
            .field("reason", .string)
            .field("intent_id", .uuid)
            .field("invoice_id", .uuid)
            .field("unit_code", .string)
            .field("purpose", .string)
            .field("amount", .int64)
            .field("fee", .int64)
            .field("paid_at", .datetime)
            .field("duplicates", .int, .required)
            .field("received_at", .datetime, .required)
            .field("raw", .string, .required)
            .unique(on: "transaction_id")
            .create()
        try await database.schema(RefundRecord.schema)
            .id()
            .field("reference", .string, .required)
            .field("invoice_id", .uuid, .required, .references(InvoiceRecord.schema, "id"))
            .field("unit_code", .string, .required)
            .field("amount", .int64, .required)
            .field("reason", .string, .required)
            .field("state", .string, .required)
            .field("bank_reference", .string)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "reference")
            .create()
        try await database.schema(LedgerTransactionRecord.schema)
            .id()
            .field("kind", .string, .required)
            .field("reference", .string, .required)
            .field("invoice_id", .uuid)
            .field("unit_code", .string, .required)
            .field("description", .string, .required)
            .field("posted_at", .datetime, .required)
            .create()
        try await database.schema(LedgerEntryRecord.schema)
            .id()
            .field("transaction_id", .uuid, .required, .references(LedgerTransactionRecord.schema, "id"))
            .field("account", .string, .required)
            .field("amount", .int64, .required)
            .field("period", .string, .required)
            .field("posted_at", .datetime, .required)
            .create()
        try await database.schema(WebhookSubscriptionRecord.schema)
            .id()
            .field("service_code", .string, .required)
            .field("url", .string, .required)
            .field("sealed_secret", .string, .required)
            .field("events", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(WebhookDeliveryRecord.schema)
            .id()
            .field("subscription_id", .uuid, .required, .references(WebhookSubscriptionRecord.schema, "id"))
            .field("event_id", .string, .required)
            .field("event_type", .string, .required)
            .field("body", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_status", .int)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(ReconciliationRecord.schema)
            .id()
            .field("file_name", .string, .required)
            .field("unit_code", .string)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("report", .string, .required)
            .create()
        // Without SQL the ledger balances table and the indexes would be missing: refuse rather than migrate half.
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        // Running balances per account and month, kept in the same transaction as the entries, so a balance is one
        // row read however long the journal grows.
        try await sql.raw("""
            CREATE TABLE ledger_balances (account VARCHAR(120) NOT NULL, period CHAR(7) NOT NULL, debit BIGINT NOT NULL, credit BIGINT NOT NULL,
            entries BIGINT NOT NULL, PRIMARY KEY (account, period))
            """).run()
        for statement in [
            "CREATE INDEX payment_invoices_unit ON payment_invoices (unit_code, created_at)",
            "CREATE INDEX payment_invoices_payer ON payment_invoices (payer_id, created_at)",
            "CREATE INDEX payment_invoices_dossier ON payment_invoices (dossier_code)",
            "CREATE INDEX payment_invoices_due ON payment_invoices (state, due_at)",
            "CREATE INDEX payment_intents_invoice ON payment_intents (invoice_id)",
            "CREATE INDEX payment_intents_expiry ON payment_intents (state, expires_at)",
            "CREATE INDEX payment_idempotency_age ON payment_idempotency (created_at)",
            "CREATE INDEX payment_confirmations_paid ON payment_bank_confirmations (outcome, paid_at)",
            "CREATE INDEX payment_refunds_invoice ON payment_refunds (invoice_id)",
            "CREATE INDEX ledger_entries_account ON ledger_entries (account, posted_at)",
            "CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id)",
            "CREATE INDEX ledger_transactions_unit ON ledger_transactions (unit_code, posted_at)",
            "CREATE INDEX payment_webhook_due ON payment_webhook_deliveries (state, next_attempt_at)",
            "CREATE INDEX payment_webhook_subscription ON payment_webhook_deliveries (subscription_id, created_at)",
        ] { try await sql.raw(SQLQueryString(statement)).run() }
    }

    func revert(on database: any Database) async throws {
        for schema in ["ledger_balances", ReconciliationRecord.schema, WebhookDeliveryRecord.schema, WebhookSubscriptionRecord.schema,
                       LedgerEntryRecord.schema, LedgerTransactionRecord.schema, RefundRecord.schema, BankConfirmationRecord.schema,
                       IdempotencyRecord.schema, IntentRecord.schema, InvoiceRecord.schema] {
            try await database.schema(schema).delete()
        }
    }
}
