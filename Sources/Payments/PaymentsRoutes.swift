import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Platform
import QRCode

/// `/api/v1/payments/…`: invoices, intents, the bank's confirmations, refunds, ledger, reconciliation, webhooks.
struct PaymentsRoutes: Sendable {
    let payments: PaymentService
    let confirmations: BankConfirmations
    let webhooks: WebhookSender
    let idempotency: IdempotencyKeys
    let simulator: BankSimulator?

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
    static let bankSignature = HTTPField.Name(BankConfirmations.signatureHeader)!
    static let staff: Access = .roles([.officer, .unitLeader, .admin])

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/payments/invoices", access: .signedIn, summary: "The caller's own invoices", use: mine)
        routes.on(.post, "/api/v1/payments/invoices", access: Self.staff, summary: "Issue an invoice (unit staff)", use: issue)
        routes.on(.get, "/api/v1/payments/invoices/:id", access: .signedIn, summary: "One invoice with its payments and refunds", use: show)
        routes.on(.post, "/api/v1/payments/invoices/:id/cancel", access: Self.staff, summary: "Cancel an open invoice", use: cancel)
        routes.on(.post, "/api/v1/payments/invoices/:id/refunds", access: .roles([.unitLeader, .admin]), summary: "Refund all or part of a paid invoice",
                  use: refund)
        routes.on(.get, "/api/v1/units/:unit/invoices", access: Self.staff, summary: "A unit's invoices (state, limit, offset)", use: unitInvoices)
        routes.on(.get, "/api/v1/units/:unit/ledger", access: Self.staff, summary: "A unit's revenue, refunds and fees over periods (from, to)",
                  use: unitLedger)
        routes.on(.post, "/api/v1/payments/intents", access: .signedIn, summary: "Start paying an invoice (Idempotency-Key)", use: createIntent)
        routes.on(.get, "/api/v1/payments/intents/:id", access: .signedIn, summary: "A payment's state and VietQR", use: showIntent)
        routes.on(.get, "/api/v1/payments/intents/:id/qr", access: .signedIn, summary: "A payment's VietQR as PNG or SVG (format)", use: qr)
        routes.on(.post, "/api/v1/payments/intents/:id/cancel", access: .signedIn, summary: "Cancel a payment not yet sent to the bank",
                  use: cancelIntent)
        routes.on(.post, "/api/v1/payments/bank/confirmations", access: .ownCredential("bank HMAC-SHA256 signature"),
                  summary: "The bank's signed payment confirmation", use: receiveConfirmation)
        routes.on(.get, "/api/v1/payments/bank/confirmations", access: .roles([.officer, .unitLeader, .admin]),
                  summary: "Bank confirmations received (outcome), for finance", use: listConfirmations)
        routes.on(.get, "/api/v1/payments/ledger/trial-balance", access: .roles([.admin]), summary: "Check that the journal balances",
                  use: trialBalance)
        routes.on(.post, "/api/v1/payments/reconciliations", access: .roles([.officer, .unitLeader, .admin]),
                  summary: "Match a bank statement (CSV) against the ledger (unit)", use: reconcile)
        routes.on(.get, "/api/v1/payments/reconciliations", access: .roles([.officer, .unitLeader, .admin]), summary: "Past reconciliations",
                  use: reconciliations)
        routes.on(.post, "/api/v1/payments/vietqr/decode", access: .everyone, summary: "Parse and check a VietQR payload", use: decode)
        routes.on(.post, "/api/v1/payments/webhooks", access: .roles([.admin]), summary: "Subscribe a city service to payment events",
                  use: subscribe)
        routes.on(.get, "/api/v1/payments/webhooks", access: .roles([.admin]), summary: "Webhook subscriptions", use: subscriptions)
        routes.on(.delete, "/api/v1/payments/webhooks/:id", access: .roles([.admin]), summary: "End a webhook subscription", use: unsubscribe)
        routes.on(.get, "/api/v1/payments/webhooks/:id/deliveries", access: .roles([.admin]), summary: "A subscription's delivery log",
                  use: deliveries)
        routes.on(.post, "/api/v1/payments/webhooks/deliveries/:id/replay", access: .roles([.admin]), summary: "Send a webhook again",
                  use: replay)
        if simulator != nil {
            routes.on(.post, "/api/v1/bank-simulator/payments", access: .signedIn, summary: "Demo bank: pay a VietQR payload", use: simulate)
        }
    }

    static func uuid(_ context: HuesRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound() }
        return id
    }


    @Sendable func mine(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[InvoiceView]> {
        return JSONResponse(try await payments.mine(try context.requirePrincipal(), paging: try Paging.window(request), logger: context.logger))
    }

    @Sendable func issue(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<InvoiceView> {
        var request = request
        let input = try await request.decodeJSON(as: NewInvoice.self, context: context)
        let invoice = try await payments.issue(input, by: try context.requirePrincipal(), logger: context.logger)
        return JSONResponse(invoice, status: .created, headers: [.location: "/api/v1/payments/invoices/\(invoice.id)"])
    }

    @Sendable func show(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<InvoiceView> {
        JSONResponse(try await payments.invoice(context.parameters.get("id") ?? "", for: try context.requirePrincipal(), logger: context.logger))
    }

    @Sendable func cancel(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<InvoiceView> {
        JSONResponse(try await payments.cancel(context.parameters.get("id") ?? "", by: try context.requirePrincipal(), logger: context.logger))
    }

    @Sendable func refund(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = context.parameters.get("id") ?? ""
        return try await idempotent(request, context: context, endpoint: "refund:\(id)", as: NewRefund.self) { input in
            let refund = try await payments.refund(id, input, by: principal, logger: context.logger)
            return (refund, .created, "/api/v1/payments/invoices/\(refund.invoiceId)")
        }
    }

    @Sendable func unitInvoices(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[InvoiceView]> {
        var state: InvoiceState?
        if let raw = request.uri.queryParameters.get("state") {
            guard let parsed = InvoiceState(rawValue: raw) else {
                throw Problem.validation([.init(field: "state", message: "one of \(InvoiceState.allCases.map(\.rawValue).joined(separator: ", "))")])
            }
            state = parsed
        }
        let paging = try Paging.window(request)
        return JSONResponse(try await payments.invoices(unit: context.parameters.get("unit") ?? "", state: state, for: try context.requirePrincipal(),
                                                        paging: paging, logger: context.logger))
    }

    @Sendable func unitLedger(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<UnitLedger> {
        let query = request.uri.queryParameters
        let current = Ledger.period(of: Date(), in: payments.calendar)
        let from = query.get("from") ?? current
        let through = query.get("to") ?? from
        guard Ledger.isPeriod(from), Ledger.isPeriod(through), from <= through else {
            throw Problem.validation([.init(field: "from", message: "give from and to as YYYY-MM, from not after to")])
        }
        return JSONResponse(try await payments.ledger(unit: context.parameters.get("unit") ?? "", from: from, through: through,
                                                      for: try context.requirePrincipal(), logger: context.logger))
    }

    @Sendable func createIntent(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        return try await idempotent(request, context: context, endpoint: "intents", as: NewIntent.self) { input in
            let intent = try await payments.createIntent(input, by: principal, logger: context.logger)
            return (intent, .created, "/api/v1/payments/intents/\(intent.id)")
        }
    }

    /// Runs a create under the request's `Idempotency-Key`, replaying the stored response on a retry.
    func idempotent<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ request: Request, context: HuesRequestContext, endpoint: String, as: Input.Type,
        _ work: @escaping @Sendable (Input) async throws -> (Output, HTTPResponse.Status, String?)
    ) async throws -> Response {
        var request = request
        let principal = try context.requirePrincipal()
        let body = Data(buffer: try await request.collectBody(upTo: context.maxBodyBytes))
        let input = try await request.decodeJSON(as: Input.self, context: context)
        let stored = try await idempotency.run(key: request.headers[Self.idempotencyKey], scope: principal.accountID, endpoint: endpoint, body: body,
                                               logger: context.logger) {
            let (output, status, location) = try await work(input)
            return IdempotencyKeys.StoredResponse(status: Int(status.code), body: String(decoding: try JSONEncoder.api.encode(output), as: UTF8.self),
                                                  location: location)
        }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let location = stored.location { headers[.location] = location }
        if stored.replayed { headers[Self.replayed] = "true" }
        return Response(status: HTTPResponse.Status(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: stored.body)))
    }

    @Sendable func showIntent(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<IntentView> {
        JSONResponse(try await payments.intent(try Self.uuid(context), for: try context.requirePrincipal(), logger: context.logger))
    }

    @Sendable func qr(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let intent = try await payments.intent(try Self.uuid(context), for: try context.requirePrincipal(), logger: context.logger)
        let code = try QRCode(text: intent.vietQR, level: .medium)
        if request.uri.queryParameters.get("format") == "svg" {
            return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "private, no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: code.svg())))
        }
        return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: code.png(quietZone: 4, pixelsPerModule: 8))))
    }

    @Sendable func cancelIntent(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<IntentView> {
        JSONResponse(try await payments.cancelIntent(try Self.uuid(context), by: try context.requirePrincipal(), logger: context.logger))
    }

    @Sendable func receiveConfirmation(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<ConfirmationOutcome> {
        var request = request
        let body = Data(buffer: try await request.collectBody(upTo: 64 * 1024))
        return JSONResponse(try await confirmations.receive(body: body, signature: request.headers[Self.bankSignature], from: context.clientAddress,
                                                            logger: context.logger))
    }

    @Sendable func listConfirmations(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[ConfirmationView]> {
        let limit = try Paging.window(request).limit
        return JSONResponse(try await confirmations.list(outcome: request.uri.queryParameters.get("outcome"), for: try context.requirePrincipal(),
                                                         limit: limit, logger: context.logger))
    }

    @Sendable func trialBalance(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Ledger.TrialBalance> {
        return JSONResponse(try await Ledger.trialBalance(on: try payments.database.sql(logger: context.logger)))
    }

    @Sendable func reconcile(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<ReconciliationReport> {
        var request = request
        let principal = try context.requirePrincipal()
        let unit = try payments.reconciliationScope(request.uri.queryParameters.get("unit").map { String($0) }, for: principal)
        guard request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true else {
            throw Problem(status: .unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported media type", detail: "Send the statement as text/csv.")
        }
        let body = try await request.collectBody(upTo: context.maxBodyBytes)
        guard let text = String(validating: Data(buffer: body), as: UTF8.self) else { throw Problem.malformedBody("The statement is not UTF-8 text.") }
        let name = request.uri.queryParameters.get("name") ?? "statement.csv"
        return JSONResponse(try await payments.reconcile(text, fileName: String(name.prefix(200)), unit: unit, by: principal.accountID, logger: context.logger),
                            status: .created)
    }

    @Sendable func reconciliations(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[ReconciliationReport]> {
        JSONResponse(try await payments.reconciliations(for: try context.requirePrincipal(), limit: try Paging.window(request).limit, logger: context.logger))
    }

    struct PayloadInput: Codable, Sendable {
        var payload: String
    }

    struct DecodedQR: Codable, Sendable {
        var bankBin: String
        var accountNumber: String
        var service: String
        var amount: Int?
        var purpose: String?
        var merchantName: String?
        var merchantCity: String?
    }

    @Sendable func decode(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<DecodedQR> {
        var request = request
        let input = try await request.decodeJSON(as: PayloadInput.self, context: context)
        do {
            let qr = try VietQR.decode(input.payload)
            return JSONResponse(DecodedQR(bankBin: qr.bankBIN, accountNumber: qr.accountNumber, service: qr.service.rawValue, amount: qr.amount,
                                          purpose: qr.purpose, merchantName: qr.merchantName, merchantCity: qr.merchantCity))
        } catch let error as VietQR.FormatError {
            throw Problem.unprocessable([.init(field: "payload", message: error.message)])
        }
    }

    @Sendable func subscribe(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<WebhookSubscriptionView> {
        var request = request
        let input = try await request.decodeJSON(as: NewWebhookSubscription.self, context: context)
        return JSONResponse(try await webhooks.subscribe(input, by: try context.requirePrincipal(), logger: context.logger), status: .created)
    }

    @Sendable func subscriptions(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[WebhookSubscriptionView]> {
        JSONResponse(try await webhooks.subscriptions(logger: context.logger))
    }

    @Sendable func unsubscribe(_ request: Request, context: HuesRequestContext) async throws -> Response {
        try await webhooks.unsubscribe(try Self.uuid(context), by: try context.requirePrincipal(), logger: context.logger)
        return Response(status: .noContent)
    }

    @Sendable func deliveries(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[WebhookDeliveryView]> {
        JSONResponse(try await webhooks.deliveries(of: try Self.uuid(context), limit: try Paging.window(request).limit, logger: context.logger))
    }

    @Sendable func replay(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<WebhookDeliveryView> {
        JSONResponse(try await webhooks.replay(try Self.uuid(context), logger: context.logger), status: .accepted)
    }

    @Sendable func simulate(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<BankSimulator.Receipt> {
        var request = request
        guard let simulator else { throw Problem.notFound() }
        let order = try await request.decodeJSON(as: BankSimulator.Order.self, context: context)
        let wait = request.uri.queryParameters.get("wait") == "true"
        return JSONResponse(try await simulator.pay(order, wait: wait, logger: context.logger), status: .accepted)
    }
}

/// A unit's money over some months, from the ledger's running balances.
public struct UnitLedger: Codable, Sendable {
    public var unit: String
    public var from: String
    public var to: String
    public var revenue: Int
    public var refunds: Int
    public var bankFees: Int
    public var net: Int
    public var accounts: [Ledger.Balance]
}

extension PaymentService {
    public func ledger(unit: String, from: String, through: String, for principal: Principal, logger: Logger) async throws -> UnitLedger {
        guard isFinanceStaff(principal, of: unit) else { throw Problem.forbidden() }
        // A report over a period: the replica's, when there is one (it may be a moment behind the primary).
        let balances = try await Ledger.balances(accounts: [Ledger.revenue(unit), Ledger.refunds(unit), Ledger.bankFees(unit)], from: from, through: through,
                                                 on: try database.reportSQL(logger: logger))
        let revenue = -balances[0].balance
        let refunds = balances[1].balance
        let fees = balances[2].balance
        return UnitLedger(unit: unit, from: from, to: through, revenue: revenue, refunds: refunds, bankFees: fees, net: revenue - refunds - fees,
                          accounts: balances)
    }
}
