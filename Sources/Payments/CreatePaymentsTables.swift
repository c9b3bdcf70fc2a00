import FluentKit
import Foundation
import Platform
import SQLKit

struct CreatePaymentsTables: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await createInvoices(on: database)
        try await createIntents(on: database)
        try await createIdempotencyKeys(on: database)
        try await createBankConfirmations(on: database)
        try await createRefunds(on: database)
        try await createLedgerTransactions(on: database)
        try await createLedgerEntries(on: database)
        try await createWebhookSubscriptions(on: database)
        try await createWebhookDeliveries(on: database)
        try await createReconciliations(on: database)
        // Without SQL the ledger balances table and the indexes would be missing: refuse rather than migrate half.
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await createLedgerBalances(on: sql)
        try await createIndexes(on: sql)
    }

    private func createInvoices(on database: any Database) async throws {
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
    }

    private func createIntents(on database: any Database) async throws {
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
    }

    private func createIdempotencyKeys(on database: any Database) async throws {
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
    }

    private func createBankConfirmations(on database: any Database) async throws {
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
    }

    private func createRefunds(on database: any Database) async throws {
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
    }

    private func createLedgerTransactions(on database: any Database) async throws {
        try await database.schema(LedgerTransactionRecord.schema)
            .id()
            .field("kind", .string, .required)
            .field("reference", .string, .required)
            .field("invoice_id", .uuid)
            .field("unit_code", .string, .required)
            .field("description", .string, .required)
            .field("posted_at", .datetime, .required)
            .create()
    }

    private func createLedgerEntries(on database: any Database) async throws {
        try await database.schema(LedgerEntryRecord.schema)
            .id()
            .field("transaction_id", .uuid, .required, .references(LedgerTransactionRecord.schema, "id"))
            .field("account", .string, .required)
            .field("amount", .int64, .required)
            .field("period", .string, .required)
            .field("posted_at", .datetime, .required)
            .create()
    }

    private func createWebhookSubscriptions(on database: any Database) async throws {
        try await database.schema(WebhookSubscriptionRecord.schema)
            .id()
            .field("service_code", .string, .required)
            .field("url", .string, .required)
            .field("sealed_secret", .string, .required)
            .field("events", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    private func createWebhookDeliveries(on database: any Database) async throws {
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
    }

    private func createReconciliations(on database: any Database) async throws {
        try await database.schema(ReconciliationRecord.schema)
            .id()
            .field("file_name", .string, .required)
            .field("unit_code", .string)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("report", .string, .required)
            .create()
    }

    private func createLedgerBalances(on sql: any SQLDatabase) async throws {
        // Running balances per account and month, kept in the same transaction as the entries, so a balance is one
        // row read however long the journal grows.
        try await sql.raw("""
            CREATE TABLE ledger_balances (account VARCHAR(120) NOT NULL, period CHAR(7) NOT NULL, debit BIGINT NOT NULL, credit BIGINT NOT NULL,
            entries BIGINT NOT NULL, PRIMARY KEY (account, period))
            """).run()
    }

    private func createIndexes(on sql: any SQLDatabase) async throws {
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
