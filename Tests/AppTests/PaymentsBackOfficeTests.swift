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

/// Webhooks to the city's services and statement reconciliation: the back office of payments.
struct PaymentsBackOfficeTests {
    @Test func webhooksAreSignedRetriedOnTheScheduleAndReplayed() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let admin = try await client.token("admin")
            #expect(try await client.send(.post, "/api/v1/payments/webhooks", token: admin,
                                          json: #"{"service":"no-such-service","url":"https://x.example/hook","events":["payment.succeeded"]}"#).status
                == .unprocessableContent)
            let created = try await client.send(.post, "/api/v1/payments/webhooks", token: admin,
                                                json: #"{"service":"hue-s-app","url":"https://app.hue.example/hooks/pay","events":["payment.succeeded","invoice.created"]}"#)
            #expect(created.status == .created, "\(body(created))")
            let subscription = try client.json(WebhookSubscriptionView.self, created)
            let key = try #require(subscription.signingKey)
            #expect(try client.json([WebhookSubscriptionView].self, try await client.send(.get, "/api/v1/payments/webhooks", token: admin))
                .allSatisfy { $0.signingKey == nil })

            let officer = try await client.token("officer")
            let citizen = try await client.token("citizen")
            let invoice = try client.json(InvoiceView.self, try await client.invoice(payer: nil, amount: "42000", token: officer))
            let intent = try client.json(IntentView.self, try await client.send(.post, "/api/v1/payments/intents", token: citizen,
                                                                                json: #"{"invoice":"\#(invoice.reference)"}"#))
            _ = try await client.confirm(Bank.confirmation(intent))

            let receiver = RecordingReceiver(statuses: [500, 503])
            let sender = WebhookSender(database: runtime.database, secrets: runtime.secrets, registry: nil, transport: receiver)
            let logger = Logger(label: "test")
            let start = Date()
            #expect(try await sender.deliverDue(now: start, logger: logger) == 2)
            // Both failed (500, 503); nothing is due again until a minute later.
            #expect(try await sender.deliverDue(now: start.addingTimeInterval(59), logger: logger) == 0)
            #expect(try await sender.deliverDue(now: start.addingTimeInterval(61), logger: logger) == 2)
            let received = receiver.received()
            #expect(received.count == 4)
            for delivery in received {
                #expect(delivery.signature == WebhookSender.signature(delivery.body, key: SymmetricKey(data: Data(key.utf8))))
            }
            let types = Set(received.compactMap { try? JSONDecoder().decode([String: AnyCodable].self, from: $0.body)["type"]?.string })
            #expect(types == ["invoice.created", "payment.succeeded"])
            let log = try client.json([WebhookDeliveryView].self, try await client.send(.get, "/api/v1/payments/webhooks/\(subscription.id)/deliveries",
                                                                                        token: admin))
            #expect(log.count == 2 && log.allSatisfy { $0.state == "successful" && $0.attempts == 2 })
            let replay = try await client.send(.post, "/api/v1/payments/webhooks/deliveries/\(log[0].id)/replay", token: admin)
            #expect(replay.status == .accepted)
            #expect(try await sender.deliverDue(now: Date(), logger: logger) == 1)
            #expect(receiver.received().count == 5)
            #expect(try await trialBalance(runtime).isBalanced)
            #expect(WebhookSender.retrySchedule == [60, 300, 3600, 86_400, 172_800])
        }
    }

    @Test func webhooksToOneSubscriberAreSentSideBySide() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let admin = try await client.token("admin")
            _ = try await client.send(.post, "/api/v1/payments/webhooks", token: admin,
                                      json: #"{"service":"hue-s-app","url":"https://slow.hue.example/hooks","events":["invoice.created"]}"#)
            let officer = try await client.token("officer")
            for _ in 0..<4 { _ = try await client.invoice(payer: nil, token: officer) }
            let receiver = SlowReceiver()
            let sender = WebhookSender(database: runtime.database, secrets: runtime.secrets, registry: nil, transport: receiver)
            #expect(try await sender.deliverDue(logger: Logger(label: "test")) == 4)
            // Each answer takes a while; the four were in flight together, not one after another.
            #expect(receiver.mostAtOnce() >= 2)
            #expect(try await sender.deliverDue(logger: Logger(label: "test")) == 0)
        }
    }

    @Test func aStatementIsReconciledLineByLine() async throws {
        try await TestApp.run(configure: Bank.configure) { client, runtime in
            let officer = try await client.token("officer")
            let leader = try await client.token("leader")
            let citizen = try await client.token("citizen")
            var transactions: [String] = []
            for (index, amount) in [30_000, 45_000, 60_000].enumerated() {
                let invoice = try client.json(InvoiceView.self, try await client.invoice(payer: nil, amount: String(amount), token: officer))
                let intent = try client.json(IntentView.self, try await client.send(.post, "/api/v1/payments/intents", token: citizen,
                                                                                    json: #"{"invoice":"\#(invoice.reference)"}"#))
                let transaction = "FT2611290000\(index)"
                #expect(try client.json(ConfirmationOutcome.self, try await client.confirm(Bank.confirmation(intent, transaction: transaction))).outcome
                    == .applied)
                transactions.append(transaction)
                if index == 0 {
                    _ = try await client.send(.post, "/api/v1/payments/invoices/\(invoice.id)/refunds", token: leader, json: #"{"amount":10000,"reason":"Thu thừa"}"#)
                }
            }
            let refund = await RefundReference.first(runtime)
            #expect(!refund.isEmpty)
            // Today in Vietnam: a statement lists the day's bookings.
            let formatter = DateFormatter()
            formatter.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")
            formatter.dateFormat = "yyyy-MM-dd"
            let today = formatter.string(from: Date())
            let statement = """
                transaction_id,booked_at,amount,description
                \(transactions[0]),\(today),30000,"MBVCB chuyen tien, thanh toan"
                \(transactions[1]),\(today),45500,sai so tien
                FT-NOT-IN-LEDGER,\(today),99000,tien la
                RFX,\(today),-10000,hoan tien \(refund)
                broken line without enough columns
                FT-BAD-DATE,29/11/2026,1000,x
                FT-BAD-AMOUNT,\(today),12.5,x
                """
            var headers: HTTPFields = [.authorization: "Bearer \(try await client.token("finance"))", .contentType: "text/csv"]
            let response = try await client.execute(uri: "/api/v1/payments/reconciliations?name=vcb-2026-11-29.csv", method: .post, headers: headers,
                                                    body: ByteBuffer(string: statement)) { $0 }
            #expect(response.status == .created, "\(body(response))")
            let report = try client.json(ReconciliationReport.self, response)
            #expect(report.matched.map(\.transactionId).sorted() == [transactions[0], "RFX"].sorted())
            #expect(report.amountMismatches.map(\.transactionId) == [transactions[1]])
            #expect(report.missingInLedger.map(\.transactionId) == ["FT-NOT-IN-LEDGER"])
            #expect(report.missingInStatement.map(\.transactionId) == [transactions[2]])
            #expect(report.malformed.map(\.line) == [6, 7, 8])
            // A ward officer reconciles only the ward's own account, and the wrong media type is refused.
            headers[.authorization] = "Bearer \(officer)"
            #expect(try await client.execute(uri: "/api/v1/payments/reconciliations?unit=so-xay-dung", method: .post, headers: headers,
                                             body: ByteBuffer(string: statement)) { $0.status } == .forbidden)
            headers[.contentType] = "application/json"
            #expect(try await client.execute(uri: "/api/v1/payments/reconciliations", method: .post, headers: headers,
                                             body: ByteBuffer(string: statement)) { $0.status } == .unsupportedMediaType)
            #expect(try await trialBalance(runtime).isBalanced)
        }
    }
}

/// A subscriber that answers with the given statuses first, then 200, and keeps what it received.
final class RecordingReceiver: WebhookTransport, Sendable {
    struct Delivery: Sendable {
        var url: String
        var signature: String?
        var body: Data
    }

    private let state: Mutex<(statuses: [Int], received: [Delivery])>

    init(statuses: [Int]) {
        state = Mutex((statuses, []))
    }

    func received() -> [Delivery] { state.withLock { $0.received } }

    func post(url: String, headers: [(String, String)], body: Data) async throws -> Int {
        state.withLock { state in
            state.received.append(Delivery(url: url, signature: headers.first { $0.0 == WebhookSender.signatureHeader }?.1, body: body))
            return state.statuses.isEmpty ? 200 : state.statuses.removeFirst()
        }
    }
}

/// A subscriber that takes 300 ms to answer and notes how many requests it had at once.
final class SlowReceiver: WebhookTransport, Sendable {
    private let state = Mutex((now: 0, most: 0))

    func mostAtOnce() -> Int { state.withLock { $0.most } }

    func post(url: String, headers: [(String, String)], body: Data) async throws -> Int {
        state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        try await Task.sleep(for: .milliseconds(300))
        state.withLock { $0.now -= 1 }
        return 204
    }
}

