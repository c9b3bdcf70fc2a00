import Foundation
import Logging
import Platform

extension PaymentsModule {
    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "payment_invoices", columns: ["payer_id", "payer_name", "amount", "paid_amount"], kind: .sensitive,
                           category: "financial", purpose: "collecting fees and bills and proving they were paid", basis: .legalObligation,
                           retention: "as the accounting law requires (10 years); kept even when erasure is asked for"),
         PersonalDataField(table: "payment_intents", columns: ["payload", "bank_transaction_id"], kind: .sensitive, category: "financial",
                           purpose: "matching the bank's confirmation to the payment", basis: .legalObligation, retention: "as the accounting law requires")]
    }

    public var personalDataSource: (any PersonalDataSource)? { PaymentsPersonalData(payments: payments) }
}

struct PaymentsPersonalData: PersonalDataSource {
    let payments: PaymentService

    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable {
        try await PersonalDataExport.all { paging in try await payments.mine(principal, paging: paging, logger: logger) }
    }
}

extension PaymentsPersonalData {
    func erase(accountID: String, logger: Logger) async throws -> ErasureReport {
        ErasureReport(kept: [ErasureLine("erasure_kept_payments")])
    }
}
