import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Payments
import Platform
import Testing

/// The finance console and the payer's pages through the router, with sessions and CSRF as a browser sends them.
struct PaymentsPageTests {
    func get(_ client: some TestClientProtocol, _ uri: String, session: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: "hues_session=\(session)"]) { $0 }
    }

    @Test func staffIssueAndRefundFromTheConsoleAndFinanceReconcilesAnUpload() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let officer = try await browserSession(client, "officer")
            let console = try await get(client, "/finance", session: officer)
            #expect(console.status == .ok)
            let csrf = try #require(hiddenCSRF(in: body(console)))
            #expect(body(console).contains("Phường Phú Xuân"))
            // A bad amount comes back to the console with the reason; a good form makes the invoice.
            let bad = try await postForm(client, "/finance/invoices", formEncode([("_csrf", csrf), ("unit", "phuong-phu-xuan"), ("kind", "bill"),
                                                                                    ("payerName", "Hộ bà Lê Thị D"), ("description", "Phí chợ"),
                                                                                    ("amount", "-100"), ("dueDate", "2099-01-01")]),
                                         cookies: "hues_session=\(officer)")
            #expect(bad.status == .seeOther && bad.headers[.location]?.contains("error=") == true)
            let made = try await postForm(client, "/finance/invoices", formEncode([("_csrf", csrf), ("unit", "phuong-phu-xuan"), ("kind", "bill"),
                                                                                     ("payerName", "Hộ bà Lê Thị D"), ("description", "Phí chợ tháng 12"),
                                                                                     ("amount", "80000"), ("dueDate", "2099-01-01")]),
                                          cookies: "hues_session=\(officer)")
            let location = try #require(made.headers[.location])
            // A payer named by username who has no account is refused on the console, with the reason.
            let stranger = try await postForm(client, "/finance/invoices", formEncode([("_csrf", csrf), ("unit", "phuong-phu-xuan"), ("kind", "bill"),
                                                                                         ("payerName", "Ai đó"), ("payerUsername", "nobody-here"),
                                                                                         ("description", "Phí chợ"), ("amount", "1000"),
                                                                                         ("dueDate", "2099-01-01")]),
                                              cookies: "hues_session=\(officer)")
            #expect(stranger.headers[.location]?.removingPercentEncoding?.contains("payer.username: no active account") == true)
            #expect(location.hasPrefix("/payments/invoices/"))
            let invoicePage = try await get(client, location, session: officer)
            #expect(body(invoicePage).contains("80.000 ₫") && body(invoicePage).contains("Chờ thanh toán"))

            // An invoice addressed to no account (a household's bill) is paid by whoever holds its reference, printed on
            // the bill; its id alone opens nothing. The bank confirms.
            let citizen = try await client.token("citizen")
            let invoiceID = String(location.dropFirst("/payments/invoices/".count))
            #expect(try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"\#(invoiceID)"}"#).status
                == .unprocessableContent)
            #expect(try await client.send(.get, "/api/v1/payments/invoices/\(invoiceID)", token: citizen).status == .notFound)
            let reference = try client.json(InvoiceView.self, try await client.send(.get, "/api/v1/payments/invoices/\(invoiceID)",
                                                                                     token: try await client.token("officer"))).reference
            let intent = try client.json(IntentView.self, try await client.send(.post, "/api/v1/payments/intents", token: citizen,
                                                                                json: #"{"invoice":"\#(reference)"}"#))
            _ = try await client.confirm(Bank.confirmation(intent, transaction: "FT-PAGE-1"))

            // The ward's leader refunds part of it from the invoice page.
            let leader = try await browserSession(client, "leader")
            let leaderPage = try await get(client, location, session: leader)
            #expect(body(leaderPage).contains("refund-form"))
            let leaderCSRF = try #require(hiddenCSRF(in: body(leaderPage)))
            let refunded = try await postForm(client, "\(location)/refund", formEncode([("_csrf", leaderCSRF), ("amount", "30000"), ("reason", "Giảm phí"),
                                                                                        ("available", "80000")]),
                                              cookies: "hues_session=\(leader)")
            #expect(refunded.status == .seeOther && refunded.headers[.location] == location)
            let over = try await postForm(client, "\(location)/refund", formEncode([("_csrf", leaderCSRF), ("amount", "60000"), ("reason", "Giảm phí")]),
                                          cookies: "hues_session=\(leader)")
            #expect(over.headers[.location]?.contains("error=") == true)
            #expect(body(try await get(client, location, session: leader)).contains("Đã hoàn trả một phần"))
            // An officer sees no refund form.
            #expect(!body(try await get(client, location, session: officer)).contains("refund-form"))
            // The ward's console lists the payment and the refund as money in and out.
            let movements = body(try await get(client, "/finance", session: officer))
            #expect(movements.contains("FT-PAGE-1") && movements.contains("80.000 ₫") && movements.contains("-30.000 ₫"))

            // Finance uploads the day's statement on the console and reads the result there.
            let finance = try await browserSession(client, "finance")
            let financePage = try await get(client, "/finance", session: finance)
            let financeCSRF = try #require(hiddenCSRF(in: body(financePage)))
            var upload = MultipartBody()
            upload.field("_csrf", financeCSRF)
            upload.field("unit", "")
            let formatter = DateFormatter()
            formatter.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
            formatter.dateFormat = "yyyy-MM-dd"
            upload.file("statement", "sao-ke.csv", "text/csv", Data("transaction_id,booked_at,amount,description\nFT-PAGE-1,\(formatter.string(from: Date())),80000,x\n".utf8))
            let reconciled = try await client.execute(uri: "/finance/reconciliations", method: .post,
                                                      headers: [.cookie: "hues_session=\(finance)", .contentType: upload.contentType],
                                                      body: ByteBuffer(data: upload.finished)) { $0 }
            #expect(reconciled.status == .seeOther)
            let after = try await get(client, try #require(reconciled.headers[.location]), session: finance)
            #expect(body(after).contains("sao-ke.csv"))
            #expect(body(after).contains(#"<strong class="matched">1</strong>"#))

            // The payer's list, and the payment page with its QR and live-status script.
            let payer = try await browserSession(client, "citizen")
            let paymentPage = try await get(client, "/payments/intents/\(intent.id)", session: payer)
            #expect(paymentPage.status == .ok && body(paymentPage).contains("payment-status.js"))
            #expect(try await get(client, "/payments", session: payer).status == .ok)
            // The English console.
            let english = try await client.execute(uri: "/finance", method: .get, headers: [.cookie: "hues_session=\(officer); hues_lang=en"]) { $0 }
            #expect(body(english).contains("Issue an invoice"))
            #expect(try await trialBalance(runtime).isBalanced)
        }
    }
}
