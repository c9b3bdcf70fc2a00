import Crypto
import FluentKit
import Foundation
import HuesTestSupport
import Logging
@testable import Payments
import Platform
import SQLKit
import Testing

/// A bank that refuses refunds, and one that sends them.
struct StubBank: BankProvider {
    let refuses: Bool

    func refund(amount: Int, of transactionId: String, reference: String) async throws -> String {
        if refuses { throw Problem.unavailable(detail: "core banking is down") }
        return "FT-REFUND-\(reference)"
    }
}

struct RefundProviderTests {
    let logger = Logger(label: "test")
    let leader = Principal(accountID: "leader-1", username: "leader", displayName: "Lê Thị Lan", grants: [RoleGrant(role: .unitLeader, unitCode: "phuong-phu-xuan")],
                           credential: .accessToken)

    /// A paid 90,000 VND invoice of Phú Xuân, paid through a signed confirmation.
    func paidInvoice(_ payments: PaymentService, _ database: PlatformDatabase) async throws -> InvoiceView {
        let invoice = try await payments.issue(NewInvoice(unit: "phuong-phu-xuan", payer: .init(accountId: nil, name: "Hộ ông Võ Văn E"), kind: .bill,
                                                          description: "Phí nước sinh hoạt", amount: 90_000, dueDate: "2099-01-01"),
                                               by: leader, logger: logger)
        let intent = try await payments.createIntent(NewIntent(invoice: invoice.reference), by: leader, logger: logger)
        let secret = SymmetricKey(size: .bits256)
        let body = try JSONEncoder.confirmations.encode(BankConfirmation(transactionId: "FT-1", status: .success, amount: 90_000, purpose: intent.reference,
                                                                         bankBin: intent.beneficiary.bankBin, accountNumber: intent.beneficiary.accountNumber,
                                                                         paidAt: Date()))
        let outcome = try await BankConfirmations(payments: payments, secret: secret).receive(body: body, signature: BankConfirmations.sign(body, secret: secret),
                                                                                              logger: logger)
        #expect(outcome.outcome == .applied)
        return invoice
    }

    func withPayments(bank: (any BankProvider)?, _ body: (PaymentService, PlatformDatabase) async throws -> Void) async throws {
        try await TestDatabase.using { test in
            let database = try PlatformDatabase(location: test.location)
            do {
                try await database.migrate(EventLog.migrations() + PersonalDataReads.migrations() + [CreatePaymentsTables()], logger: logger)
                let profile = try CityProfile.demo()
                let payments = PaymentService(database: database, settings: try PaymentSettings.load(from: profile), profile: profile,
                                              outbox: WebhookOutbox(), provider: bank)
                try await body(payments, database)
            } catch {
                await database.shutdown()
                throw error
            }
            await database.shutdown()
        }
    }

    @Test func aRefundTheBankRefusesIsReversedAndRefundableAgain() async throws {
        try await withPayments(bank: StubBank(refuses: true)) { payments, database in
            let invoice = try await paidInvoice(payments, database)
            await #expect(throws: Problem.self) {
                _ = try await payments.refund(invoice.reference, NewRefund(amount: 40_000, reason: "Thu trùng"), by: leader, logger: logger)
            }
            let after = try await payments.invoice(invoice.reference, for: leader, logger: logger)
            #expect(after.state == .paid && after.refundableAmount == 90_000)
            #expect(after.refunds?.map(\.state) == ["failed"])
            let books = try await Ledger.trialBalance(on: try database.sql(logger: logger))
            #expect(books.isBalanced && books.entries == 6)  // payment, refund, reversal
            let period = Ledger.period(of: Date(), in: payments.calendar)
            let refunds = try await Ledger.balances(accounts: [Ledger.refunds("phuong-phu-xuan")], from: period, through: period,
                                                    on: try database.sql(logger: logger))
            #expect(refunds.first?.balance == 0)
        }
    }

    @Test func aRefundTheBankSendsCarriesItsReferenceAndWithoutABankItWaits() async throws {
        try await withPayments(bank: StubBank(refuses: false)) { payments, database in
            let invoice = try await paidInvoice(payments, database)
            let refund = try await payments.refund(invoice.reference, NewRefund(amount: 90_000, reason: "Hủy dịch vụ"), by: leader, logger: logger)
            #expect(refund.state == "success" && refund.bankReference == "FT-REFUND-\(refund.reference)")
            #expect(try await payments.invoice(invoice.reference, for: leader, logger: logger).state == .refunded)
        }
        try await withPayments(bank: nil) { payments, database in
            let invoice = try await paidInvoice(payments, database)
            let refund = try await payments.refund(invoice.reference, NewRefund(amount: 10_000, reason: "Giảm phí"), by: leader, logger: logger)
            #expect(refund.state == "submitted" && refund.bankReference == nil)
            #expect(try await Ledger.trialBalance(on: try database.sql(logger: logger)).isBalanced)
        }
    }

    @Test func aReferenceAlreadyTakenIsDrawnAgainInsideTheTransaction() async throws {
        try await withPayments(bank: nil) { payments, database in
            let first = try await payments.issue(NewInvoice(unit: "phuong-phu-xuan", payer: .init(accountId: nil, name: "Hộ bà Trần Thị F"), kind: .bill,
                                                            description: "Phí vệ sinh", amount: 20_000, dueDate: "2099-01-01"),
                                                 by: leader, logger: logger)
            let taken = first.reference
            let reference = try await database.write(logger: logger) { db in
                var draws = [taken, taken, "HDFRESH234"]
                return try await PaymentReference.unused(in: InvoiceRecord.schema, { draws.removeFirst() }, on: db)
            }
            #expect(reference == "HDFRESH234")
            await #expect(throws: Problem.self) {
                try await database.write(logger: logger) { db in
                    try await PaymentReference.unused(in: InvoiceRecord.schema, { taken }, on: db)
                }
            }
        }
    }
}

extension JSONEncoder {
    static let confirmations: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}
