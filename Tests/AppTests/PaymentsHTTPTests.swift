import App
import Crypto
import FluentKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import Payments
import Platform
import PublicServices
import SQLKit
import Synchronization
import Testing

/// The bank's shared secret in tests, and confirmations signed with it (or not).
enum Bank {
    static let secret = "test-bank-secret-0123456789abcdef-0123456789"

    static func configure(_ configuration: inout HuesConfiguration) { configuration.bankWebhookSecret = secret }

    static func confirmation(_ intent: IntentView, transaction: String = "FT\(UUID().uuidString.prefix(8))", status: String = "success",
                             amount: Int? = nil, fee: Int = 0) -> String {
        #"{"transactionId":"\#(transaction)","status":"\#(status)","amount":\#(amount ?? intent.amount),"fee":\#(fee),"purpose":"\#(intent.reference) thanh toan","bankBin":"\#(intent.beneficiary.bankBin)","accountNumber":"\#(intent.beneficiary.accountNumber)","paidAt":"\#(ISO8601DateFormatter().string(from: Date()))","payerName":"NGUYEN THI HOA"}"#
    }

    static func sign(_ body: String, secret: String = Bank.secret) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }
}

extension TestClientProtocol {
    func confirm(_ body: String, signature: String? = nil) async throws -> TestResponse {
        try await send(.post, "/api/v1/payments/bank/confirmations", json: body,
                       headers: [HTTPField.Name("X-Bank-Signature")!: signature ?? Bank.sign(body)])
    }

    func invoice(unit: String = "phuong-phu-xuan", payer: String?, amount: String = "150000", token: String) async throws -> TestResponse {
        let payerField = payer.map { #""accountId":"\#($0)","# } ?? ""
        return try await send(.post, "/api/v1/payments/invoices", token: token,
                              json: #"{"unit":"\#(unit)","payer":{\#(payerField)"name":"Nguyễn Thị Hoa"},"kind":"bill","description":"Phí vệ sinh môi trường quý IV","amount":\#(amount),"dueDate":"2099-12-31"}"#)
    }

    func accountID(_ username: String, token: String) async throws -> String {
        let me = try await send(.get, "/api/v1/me", token: token)
        return try JSONDecoder().decode([String: AnyCodable].self, from: Data(buffer: me.body))["id"]?.string ?? ""
    }
}

func trialBalance(_ runtime: HuesRuntime) async throws -> Ledger.TrialBalance {
    try await Ledger.trialBalance(on: try runtime.database.sql(logger: Logger(label: "test")))
}

struct PaymentsHTTPTests {
    @Test func anInvoiceIsPaidOnceByVietQRThenRefundedWithoutOverRefunding() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let officer = try await client.token("officer")
            let leader = try await client.token("leader")
            let citizen = try await client.token("citizen")
            let citizenID = try await client.accountID("citizen", token: citizen)

            // Bad amounts never make an invoice.
            #expect(try await client.invoice(payer: citizenID, amount: "-5", token: officer).status == .unprocessableContent)
            #expect(try await client.invoice(payer: citizenID, amount: "0", token: officer).status == .unprocessableContent)
            #expect(try await client.invoice(payer: citizenID, amount: "1500.5", token: officer).status == .badRequest)
            #expect(try await client.invoice(unit: "so-xay-dung", payer: citizenID, token: officer).status == .forbidden)
            #expect(try await client.invoice(payer: citizenID, token: citizen).status == .forbidden)
            let created = try await client.invoice(payer: citizenID, token: officer)
            #expect(created.status == .created)
            let invoice = try client.json(InvoiceView.self, created)
            #expect(invoice.state == .open && invoice.amount == 150_000)
            #expect(try client.json([InvoiceView].self, try await client.send(.get, "/api/v1/payments/invoices", token: citizen)).map(\.id) == [invoice.id])
            // Someone else's invoice is invisible.
            let business = try await client.token("business")
            #expect(try await client.send(.get, "/api/v1/payments/invoices/\(invoice.id)", token: business).status == .notFound)
            #expect(try await client.send(.post, "/api/v1/payments/intents", token: business, json: #"{"invoice":"\#(invoice.id)"}"#).status
                == .unprocessableContent)
            #expect(try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"HD00000000"}"#).status
                == .unprocessableContent)

            // A retried create is stored once; the same key with another body is a conflict.
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "pay-\(invoice.reference)-1"]
            let first = try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"\#(invoice.id)"}"#, headers: key)
            #expect(first.status == .created)
            let again = try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{ "invoice" : "\#(invoice.id)" }"#, headers: key)
            #expect(again.status == .created)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(body(again) == body(first))
            let other = try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"\#(invoice.reference)"}"#, headers: key)
            #expect(other.status == .conflict)
            #expect(try problem(other)["type"]?.string == "/problems/idempotency-key-reused")
            #expect(try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"x"}"#,
                                          headers: [HTTPField.Name("Idempotency-Key")!: "no spaces allowed"]).status == .badRequest)
            let intent = try client.json(IntentView.self, first)
            #expect(intent.state == .created && intent.amount == 150_000)
            let count = try await IntentRecordCount.of(invoice.id, runtime)
            #expect(count == 1)

            // The QR is a VietQR for the unit's collection account, the exact amount and the intent's reference.
            let qr = try VietQR.decode(intent.vietQR)
            #expect(qr.amount == 150_000 && qr.bankBIN == "970436" && qr.accountNumber == "0161001234567")
            #expect(qr.purpose == "\(intent.reference) \(invoice.reference)")
            let png = try await client.send(.get, "/api/v1/payments/intents/\(intent.id)/qr", token: citizen)
            #expect(png.headers[.contentType] == "image/png" && Data(buffer: png.body).starts(with: [0x89, 0x50, 0x4E, 0x47]))

            // The bank: a forged signature, a wrong amount and an unknown reference are recorded, never applied.
            let good = Bank.confirmation(intent, transaction: "FT26333000001")
            #expect(try await client.confirm(good, signature: Bank.sign(good, secret: "not-the-bank-secret-not-the-bank-secret")).status == .unauthorized)
            #expect(try await client.confirm(good.replacingOccurrences(of: "150000", with: "1500"), signature: Bank.sign(good)).status == .unauthorized)
            let short = try client.json(ConfirmationOutcome.self, try await client.confirm(Bank.confirmation(intent, transaction: "FT-SHORT", amount: 15_000)))
            #expect(short.outcome == .rejected && short.reason == "amount-mismatch")
            let stranger = Bank.confirmation(intent, transaction: "FT-UNKNOWN").replacingOccurrences(of: intent.reference, with: "P22222222222")
            #expect(try client.json(ConfirmationOutcome.self, try await client.confirm(stranger)).reason == "unknown-reference")
            #expect(try client.json(InvoiceView.self, try await client.send(.get, "/api/v1/payments/invoices/\(invoice.id)", token: citizen)).state == .open)

            // The real confirmation is applied once; its duplicate changes nothing.
            let applied = try client.json(ConfirmationOutcome.self, try await client.confirm(good))
            #expect(applied.outcome == .applied && applied.payment == intent.reference)
            #expect(try client.json(ConfirmationOutcome.self, try await client.confirm(good)).outcome == .duplicate)
            var paid = try client.json(InvoiceView.self, try await client.send(.get, "/api/v1/payments/invoices/\(invoice.id)", token: citizen))
            #expect(paid.state == .paid && paid.paidAmount == 150_000)
            #expect(paid.intents?.first?.state == .success)
            #expect(try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"\#(invoice.id)"}"#).status == .conflict)
            let ledger = try client.json(UnitLedger.self, try await client.send(.get, "/api/v1/units/phuong-phu-xuan/ledger", token: officer))
            #expect(ledger.revenue == 150_000 && ledger.net == 150_000)
            // A payload echoed by the bank that says something else is refused.
            let echoed = String(good.dropLast()) + #","qrPayload":"\#(intent.vietQR.replacingOccurrences(of: "150000", with: "150001"))"}"#
            #expect(try client.json(ConfirmationOutcome.self, try await client.confirm(echoed.replacingOccurrences(of: "FT26333000001", with: "FT-ECHO")))
                .reason == "invalid-qr")
                        let rejected = try client.json([ConfirmationView].self, try await client.send(.get, "/api/v1/payments/bank/confirmations?outcome=rejected",
                                                                                          token: try await client.token("admin")))
            #expect(rejected.count == 5)

            // Refunds: an officer may not, a leader may, and never more than was paid.
            let refundPath = "/api/v1/payments/invoices/\(invoice.id)/refunds"
            #expect(try await client.send(.post, refundPath, token: officer, json: #"{"amount":1000,"reason":"x"}"#).status == .forbidden)
            #expect(try await client.send(.post, refundPath, token: leader, json: #"{"amount":0,"reason":"x"}"#).status == .unprocessableContent)
            #expect(try await client.send(.post, refundPath, token: leader, json: #"{"amount":50000,"reason":"Thu trùng","refundAmountAvailable":1}"#).status
                == .conflict)
            #expect(try await client.send(.post, refundPath, token: leader, json: #"{"amount":50000,"reason":"Thu trùng","refundAmountAvailable":150000}"#)
                .status == .created)
            let over = try await client.send(.post, refundPath, token: leader, json: #"{"amount":100001,"reason":"Thu trùng"}"#)
            #expect(over.status == .conflict)
            #expect(try problem(over)["type"]?.string == "/problems/over-refund")
            paid = try client.json(InvoiceView.self, try await client.send(.get, "/api/v1/payments/invoices/\(invoice.id)", token: leader))
            #expect(paid.state == .partiallyRefunded && paid.refundableAmount == 100_000)
            // Two refunds race for the last 100,000: exactly one wins.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<2 {
                    group.addTask { try await client.send(.post, refundPath, token: leader, json: #"{"amount":100000,"reason":"Hoàn nốt \#(index)"}"#).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted { $0.code < $1.code } == [.created, .conflict])
            paid = try client.json(InvoiceView.self, try await client.send(.get, "/api/v1/payments/invoices/\(invoice.id)", token: leader))
            #expect(paid.state == .refunded && paid.refundedAmount == 150_000 && paid.refunds?.count == 2)
            let after = try client.json(UnitLedger.self, try await client.send(.get, "/api/v1/units/phuong-phu-xuan/ledger", token: leader))
            #expect(after.revenue == 150_000 && after.refunds == 150_000 && after.net == 0)
            let books = try await trialBalance(runtime)
            #expect(books.isBalanced && books.entries == 6)
            #expect(try await EventLog.verify(on: try runtime.database.db(logger: Logger(label: "test"))).isIntact)
        }
    }

    @Test func aCancelledInvoiceCannotBePaidAndItsLateTransferIsReportedNotCredited() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let officer = try await client.token("officer")
            let citizen = try await client.token("citizen")
            let invoice = try client.json(InvoiceView.self, try await client.invoice(payer: try await client.accountID("citizen", token: citizen),
                                                                                    amount: "60000", token: officer))
            let intent = try client.json(IntentView.self, try await client.send(.post, "/api/v1/payments/intents", token: citizen,
                                                                                json: #"{"invoice":"\#(invoice.id)"}"#))
            #expect(try await client.send(.post, "/api/v1/payments/invoices/\(invoice.id)/cancel", token: citizen).status == .forbidden)
            let cancelled = try client.json(InvoiceView.self, try await client.send(.post, "/api/v1/payments/invoices/\(invoice.id)/cancel", token: officer))
            #expect(cancelled.state == .cancelled)
            #expect(try await client.send(.post, "/api/v1/payments/invoices/\(invoice.id)/cancel", token: officer).status == .conflict)
            let again = try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"\#(invoice.id)"}"#)
            #expect(again.status == .conflict && body(again).contains("cancelled"))
            #expect(try client.json(IntentView.self, try await client.send(.get, "/api/v1/payments/intents/\(intent.id)", token: citizen)).state == .cancelled)
            // The payer had already scanned the QR: the money arrives, is reported for finance, and credits nothing.
            let late = try client.json(ConfirmationOutcome.self, try await client.confirm(Bank.confirmation(intent)))
            #expect(late.outcome == .rejected && late.reason == "invoice-not-payable")
            #expect(try await trialBalance(runtime).entries == 0)
        }
    }

    @Test func payersAreRealAccountsAndStuckOrOverduePaymentsDoNotBlockForever() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let officer = try await client.token("officer")
            let citizen = try await client.token("citizen")
            func issue(_ payer: String) async throws -> TestResponse {
                try await client.send(.post, "/api/v1/payments/invoices", token: officer,
                                      json: #"{"unit":"phuong-phu-xuan","payer":{\#(payer)"name":"Nguyễn Thị Hoa"},"kind":"bill","description":"Phí chợ","amount":20000,"dueDate":"2099-12-31"}"#)
            }
            let nobody = try await issue(#""username":"no-such-person","#)
            #expect(nobody.status == .unprocessableContent && body(nobody).contains("payer.username"))
            #expect(try await issue(#""accountId":"\#(UUID())","#).status == .unprocessableContent)
            let byName = try client.json(InvoiceView.self, try await issue(#""username":"citizen","#))
            #expect(byName.payer.accountId == (try await client.accountID("citizen", token: citizen)))
            #expect(try client.json([InvoiceView].self, try await client.send(.get, "/api/v1/payments/invoices", token: citizen)).map(\.id) == [byName.id])

            // The bank took the order (pending) and then fell silent: the invoice can be neither cancelled nor paid anew...
            let intent = try client.json(IntentView.self, try await client.send(.post, "/api/v1/payments/intents", token: citizen,
                                                                                json: #"{"invoice":"\#(byName.id)"}"#))
            #expect(try client.json(ConfirmationOutcome.self, try await client.confirm(Bank.confirmation(intent, transaction: "FT-SILENT", status: "pending")))
                .outcome == .applied)
            #expect(try await client.send(.post, "/api/v1/payments/invoices/\(byName.id)/cancel", token: officer).status == .conflict)
            #expect(try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"\#(byName.id)"}"#).status == .conflict)
            // ...until a day has passed without an answer.
            try await (try runtime.require(PaymentsModule.self)).payments.sweep(now: Date().addingTimeInterval(25 * 3600), logger: Logger(label: "test"))
            let given = try client.json(IntentView.self, try await client.send(.get, "/api/v1/payments/intents/\(intent.id)", token: citizen))
            #expect(given.state == .error && given.failureReason?.contains("a day") == true)
            #expect(try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"\#(byName.id)"}"#).status == .created)

            // Past its due date, an invoice takes no new payment even before the sweep has marked it.
            let sql = try runtime.database.sql(logger: Logger(label: "test"))
            try await sql.raw("UPDATE payment_invoices SET due_at = \(bind: Date().addingTimeInterval(-60)) WHERE reference = \(bind: byName.reference)").run()
            let late = try await client.send(.post, "/api/v1/payments/intents", token: citizen, json: #"{"invoice":"\#(byName.id)"}"#)
            #expect(late.status == .conflict && body(late).contains("due date"))
            #expect(try await trialBalance(runtime).isBalanced)
        }
    }

    @Test func aThousandConfirmationsAtOnceCreditThePaymentExactlyOnce() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let officer = try await client.token("officer")
            let citizen = try await client.token("citizen")
            let invoice = try client.json(InvoiceView.self, try await client.invoice(payer: try await client.accountID("citizen", token: citizen),
                                                                                    amount: "250000", token: officer))
            let intent = try client.json(IntentView.self, try await client.send(.post, "/api/v1/payments/intents", token: citizen,
                                                                                json: #"{"invoice":"\#(invoice.id)"}"#))
            let genuine = Bank.confirmation(intent, transaction: "FT-GENUINE")
            // 1,000 messages: the genuine confirmation many times over, copies with the amount changed under the old
            // signature, copies signed with the wrong key, and other transfers naming the same payment (a second payment
            // of an invoice that is already paid must not be credited).
            var messages: [(String, String)] = []
            for index in 0..<1000 {
                switch index % 5 {
                case 0, 1: messages.append((genuine, Bank.sign(genuine)))
                case 2: messages.append((genuine.replacingOccurrences(of: "250000", with: "2500"), Bank.sign(genuine)))
                case 3: messages.append((genuine, Bank.sign(genuine, secret: "forger-forger-forger-forger-forger-forger")))
                default:
                    let other = Bank.confirmation(intent, transaction: "FT-OTHER-\(index)")
                    messages.append((other, Bank.sign(other)))
                }
            }
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for (body, signature) in messages.shuffled() {
                    group.addTask {
                        // A bank retries a 503 (the pool was busy beyond its wait) after its Retry-After, as any
                        // client of the platform should: the burst must still credit once, with nothing lost. On
                        // PostgreSQL beside the other suites a thousand at once can stay busy for several seconds.
                        var response = try await client.confirm(body, signature: signature)
                        for _ in 0..<15 where response.status == .serviceUnavailable {
                            #expect(response.headers[.retryAfter] != nil)
                            try await Task.sleep(for: .seconds(1))
                            response = try await client.confirm(body, signature: signature)
                        }
                        if response.status == .unauthorized { return "unauthorized" }
                        return (try? JSONDecoder().decode(ConfirmationOutcome.self, from: Data(buffer: response.body)))
                            .map { "\($0.outcome.rawValue)\($0.reason.map { ":" + $0 } ?? "")" } ?? "status \(response.status.code)"
                    }
                }
                return try await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(outcomes["unauthorized"] == 400)
            // Exactly one credit, whichever transfer arrived first: the genuine one or one of the others.
            #expect(outcomes["applied"] == 1, "\(outcomes)")
            // The rest are copies of a transfer already seen, or transfers for an invoice already paid (finance refunds those).
            let notCredited = outcomes.filter { $0.key.hasPrefix("duplicate") || $0.key == "rejected:invoice-not-payable" }.values.reduce(0, +)
            #expect(notCredited == 599, "\(outcomes)")
            let sql = try runtime.database.sql(logger: Logger(label: "test"))
            let credits = try await sql.raw("SELECT COUNT(*) AS n FROM ledger_transactions WHERE kind = 'payment'").first()?.decode(column: "n", as: Int.self)
            #expect(credits == 1)
            let paid = try client.json(InvoiceView.self, try await client.send(.get, "/api/v1/payments/invoices/\(invoice.id)", token: citizen))
            #expect(paid.state == .paid && paid.paidAmount == 250_000)
            let ledger = try client.json(UnitLedger.self, try await client.send(.get, "/api/v1/units/phuong-phu-xuan/ledger", token: officer))
            #expect(ledger.revenue == 250_000)
            #expect(try await trialBalance(runtime).isBalanced)
        }
    }

    @Test func aDossierFeeIsInvoicedPaidThroughTheDemoBankAndTheDossierMovesOn() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let citizen = try await client.token("citizen")
            let officer = try await client.token("officer")
            let filing = #"{"procedure":"2.000884","competentUnit":"phuong-phu-xuan","form":{"documentTitle":"Hợp đồng thuê nhà"},"attachments":[\#(attachment("van-ban", "hop-dong.pdf", Files.pdf))]}"#
            let filed = try await client.send(.post, "/api/v1/dossiers", token: citizen, json: filing)
            #expect(filed.status == .created, "\(body(filed))")
            var dossier = try client.dossier(filed)
            dossier = try client.dossier(try await client.act(dossier.code, "receive", token: officer))
            dossier = try client.dossier(try await client.act(dossier.code, "claim", token: officer))
            dossier = try client.dossier(try await client.act(dossier.code, "request-fee", token: officer))
            #expect(dossier.state == "awaiting-fee" && dossier.nationalStatus == 6)
            let invoices = try client.json([InvoiceView].self, try await client.send(.get, "/api/v1/payments/invoices", token: citizen))
            let invoice = try #require(invoices.first { $0.dossierCode == dossier.code })
            #expect(invoice.amount == 10_000 && invoice.kind == .fee && invoice.unit == "phuong-phu-xuan")
            let intent = try client.json(IntentView.self, try await client.send(.post, "/api/v1/payments/intents", token: citizen,
                                                                                json: #"{"invoice":"\#(invoice.reference)"}"#))
            // The demo bank pays: a pending notice, the confirmation, and the confirmation again.
            let order = #"{"payload":"\#(intent.vietQR)","duplicates":1}"#
            let receipt = try await client.send(.post, "/api/v1/bank-simulator/payments?wait=true", token: citizen, json: order)
            #expect(receipt.status == .accepted, "\(body(receipt))")
            dossier = try client.dossier(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)", token: citizen))
            #expect(dossier.state == "processing")
            let step = try #require(dossier.history.last)
            #expect(step.action == "confirm-fee" && step.note?.contains(invoice.reference) == true)
            let done = try client.json(IntentView.self, try await client.send(.get, "/api/v1/payments/intents/\(intent.id)", token: citizen))
            #expect(done.state == .success)
            // A static or broken payload is not something a bank pays.
            #expect(try await client.send(.post, "/api/v1/bank-simulator/payments", token: citizen, json: #"{"payload":"0002010102"}"#).status
                == .unprocessableContent)
            #expect(try await trialBalance(runtime).isBalanced)
        }
    }
}

enum IntentRecordCount {
    static func of(_ invoice: UUID, _ runtime: HuesRuntime) async throws -> Int {
        try await IntentRecord.query(on: try runtime.database.db(logger: Logger(label: "test"))).filter(\.$invoiceID == invoice).count()
    }
}

enum RefundReference {
    static func first(_ runtime: HuesRuntime) async -> String {
        (try? await RefundRecord.query(on: try runtime.database.db(logger: Logger(label: "test"))).first()?.reference) ?? ""
    }
}
