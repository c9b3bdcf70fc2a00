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
