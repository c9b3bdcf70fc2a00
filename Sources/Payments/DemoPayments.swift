import FluentKit
import Foundation
import Logging
import Platform

/// Invoices for the demo city in the states people meet: tuition to pay, a bill paid through the demo bank, a paid
/// bill partly refunded, and a stray bank transfer finance has to look into. All go through the real services.
enum DemoPayments {
    static func seed(_ module: PaymentsModule, calendar: WorkCalendar, demo: DemoSeeding) async throws -> [String] {
        let logger = demo.logger
        guard let payer = try await demo.principal("citizen"), let business = try await demo.principal("business"),
              let issuer = try await demo.principal("finance"), let leader = try await demo.principal("leader"),
              let simulator = module.simulator
        else { return [] }
        let payments = module.payments
        if !(try await payments.mine(payer, paging: Paging(limit: 1), logger: logger)).isEmpty { return ["payments: demo invoices already there"] }
        let due = calendar.civilDate(of: Date().addingTimeInterval(20 * 86_400)).description
        func invoice(_ unit: String, _ who: Principal, _ kind: InvoiceKind, _ text: String, _ amount: Int) async throws -> InvoiceView {
            try await payments.issue(NewInvoice(unit: unit, payer: .init(accountId: who.accountID, name: who.displayName), kind: kind, description: text,
                                                amount: amount, dueDate: due), by: issuer, logger: logger)
        }
        func pay(_ invoice: InvoiceView, by who: Principal) async throws {
            let intent = try await payments.createIntent(NewIntent(invoice: invoice.reference), by: who, logger: logger)
            _ = try await simulator.pay(BankSimulator.Order(payload: intent.vietQR, duplicates: 1, payerName: who.displayName), wait: true, logger: logger)
        }
        _ = try await invoice("so-giao-duc-dao-tao", payer, .tuition, "Học phí học kỳ I năm học 2026–2027, Trường THPT Quốc Học Huế", 1_200_000)
        let sanitation = try await invoice("phuong-phu-xuan", payer, .bill, "Phí vệ sinh môi trường quý IV/2026", 150_000)
        try await pay(sanitation, by: payer)
        let market = try await invoice("phuong-phu-xuan", business, .bill, "Phí thuê ki-ốt chợ Đông Ba tháng 11/2026", 2_500_000)
        try await pay(market, by: business)
        _ = try await payments.refund(market.reference, NewRefund(amount: 500_000, reason: "Ki-ốt đóng cửa 6 ngày do sửa chữa"), by: leader, logger: logger)
        // A transfer whose description names no payment: it waits on the finance console.
        let account = payments.settings.account(for: "phuong-phu-xuan")
        let stray = try VietQR(bankBIN: account.bankBin, accountNumber: account.accountNumber, amount: 75_000, purpose: "chuyen tien phi ve sinh").payload()
        _ = try await simulator.pay(BankSimulator.Order(payload: stray, payerName: "TRAN VAN B"), wait: true, logger: logger)
        return ["payments: 3 invoices (tuition to pay, a paid bill, a paid and partly refunded kiosk rent) and a stray transfer for finance"]
    }
}

/// Fees asked for by other modules (a dossier's fee) become invoices, issued in the asker's transaction.
struct FeeInvoices: FeeInvoicing {
    let payments: PaymentService
    let calendar: WorkCalendar
    /// How long an applicant has to pay a fee.
    static let daysToPay = 15

    func requestFee(_ request: FeeRequest, on db: any Database) async throws {
        let due = calendar.civilDate(of: Date().addingTimeInterval(TimeInterval(Self.daysToPay * 86_400))).description
        _ = try await payments.issue(NewInvoice(unit: request.unitCode, payer: .init(accountId: request.payerID, name: request.payerName), kind: .fee,
                                                description: "Phí, lệ phí hồ sơ \(request.dossierCode): \(request.procedureName)".prefix(500).description,
                                                amount: request.amount, dueDate: due, dossierCode: request.dossierCode),
                                     createdBy: request.requestedBy, actorName: request.requestedByName, on: db)
    }
}
