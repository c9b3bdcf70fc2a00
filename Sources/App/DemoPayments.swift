import Foundation
import Identity
import Logging
import Payments
import Platform

/// Invoices for the demo city in the states people meet: tuition to pay, a bill paid through the demo bank, a paid
/// bill partly refunded, and a stray bank transfer finance has to look into. All go through the real services.
enum DemoPayments {
    static func seed(_ runtime: HuesRuntime) async throws -> [String] {
        let logger = Logger(label: "hues.demo.payments")
        let accounts = runtime.identity.accounts
        guard let citizen = try await accounts.find(username: "citizen", logger: logger),
              let business = try await accounts.find(username: "business", logger: logger),
              let finance = try await accounts.find(username: "finance", logger: logger),
              let leader = try await accounts.find(username: "leader", logger: logger),
              let simulator = runtime.payments.simulator
        else { return [] }
        let payments = runtime.payments.payments
        let payer = DemoDossiers.principal(citizen)
        if !(try await payments.mine(payer, paging: Paging(limit: 1), logger: logger)).isEmpty { return ["payments: demo invoices already there"] }
        let issuer = DemoDossiers.principal(finance)
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
        formatter.dateFormat = "yyyy-MM-dd"
        let due = formatter.string(from: Date().addingTimeInterval(20 * 86_400))
        func invoice(_ unit: String, _ who: Account, _ kind: InvoiceKind, _ text: String, _ amount: Int) async throws -> InvoiceView {
            try await payments.issue(NewInvoice(unit: unit, payer: .init(accountId: who.id.uuidString, name: who.displayName), kind: kind, description: text,
                                                amount: amount, dueDate: due), by: issuer, logger: logger)
        }
        func pay(_ invoice: InvoiceView, by who: Account) async throws {
            let intent = try await payments.createIntent(NewIntent(invoice: invoice.reference), by: DemoDossiers.principal(who), logger: logger)
            _ = try await simulator.pay(BankSimulator.Order(payload: intent.vietQR, duplicates: 1, payerName: who.displayName), wait: true, logger: logger)
        }
        _ = try await invoice("so-giao-duc-dao-tao", citizen, .tuition, "Học phí học kỳ I năm học 2026–2027, Trường THPT Quốc Học Huế", 1_200_000)
        let sanitation = try await invoice("phuong-phu-xuan", citizen, .bill, "Phí vệ sinh môi trường quý IV/2026", 150_000)
        try await pay(sanitation, by: citizen)
        let market = try await invoice("phuong-phu-xuan", business, .bill, "Phí thuê ki-ốt chợ Đông Ba tháng 11/2026", 2_500_000)
        try await pay(market, by: business)
        _ = try await payments.refund(market.reference, NewRefund(amount: 500_000, reason: "Ki-ốt đóng cửa 6 ngày do sửa chữa"),
                                      by: DemoDossiers.principal(leader), logger: logger)
        // A transfer whose description names no payment: it waits on the finance console.
        let account = payments.settings.account(for: "phuong-phu-xuan")
        let stray = try VietQR(bankBIN: account.bankBin, accountNumber: account.accountNumber, amount: 75_000, purpose: "chuyen tien phi ve sinh").payload()
        _ = try await simulator.pay(BankSimulator.Order(payload: stray, payerName: "TRAN VAN B"), wait: true, logger: logger)
        return ["payments: 3 invoices (tuition to pay, a paid bill, a paid and partly refunded kiosk rent) and a stray transfer for finance"]
    }
}
