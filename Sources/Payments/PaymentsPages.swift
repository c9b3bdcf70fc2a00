import Foundation
import Hummingbird
import Platform
import QRCode
import Web

/// The payer's pages (my invoices, an invoice, paying it by VietQR with live status) and the finance console
/// (a unit's invoices and money, refunds, rejected bank confirmations, statement reconciliation).
struct PaymentsPages: Sendable {
    let payments: PaymentService
    let confirmations: BankConfirmations
    let simulator: BankSimulator?
    let renderer: PageRenderer

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/payments", access: .signedIn, kind: .page, summary: "My invoices", use: mine)
        routes.on(.get, "/payments/invoices/:id", access: .signedIn, kind: .page, summary: "An invoice and how to pay it", use: invoicePage)
        routes.on(.post, "/payments/invoices/:id/pay", access: .signedIn, kind: .page, summary: "Start paying an invoice", use: pay)
        routes.on(.post, "/payments/invoices/:id/refund", access: .roles([.unitLeader, .admin]), kind: .page, summary: "Refund from the invoice page",
                  use: refund)
        routes.on(.post, "/payments/invoices/:id/cancel", access: .roles([.officer, .unitLeader, .admin]), kind: .page,
                  summary: "Cancel from the invoice page", use: cancel)
        routes.on(.get, "/payments/intents/:id", access: .signedIn, kind: .page, summary: "Pay by VietQR; the status updates by itself", use: intentPage)
        routes.on(.post, "/payments/intents/:id/demo-bank", access: .signedIn, kind: .page, summary: "Pay with the demo bank app", use: demoBank)
        routes.on(.get, "/dossiers/:code/fee", access: .signedIn, kind: .page, summary: "The fee invoice of a dossier", use: dossierFee)
        routes.on(.get, "/finance", access: .roles([.officer, .unitLeader, .admin]), kind: .page, summary: "A unit's payments, refunds, reconciliation",
                  use: finance)
        routes.on(.post, "/finance/invoices", access: .roles([.officer, .unitLeader, .admin]), kind: .page, summary: "Issue an invoice from the console",
                  use: issue)
        routes.on(.post, "/finance/reconciliations", access: .roles([.officer, .unitLeader, .admin]), kind: .page,
                  summary: "Upload a bank statement to reconcile", use: reconcile)
    }

    // MARK: Payer

    @Sendable func mine(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let invoices = try await payments.mine(try context.requirePrincipal(), paging: Paging(limit: 100), logger: context.logger)
        return try renderer.page("payments", title: "pay_title", context: context,
                                 values: ["invoices": invoices.map { values($0, language: context.language) }, "empty": invoices.isEmpty])
    }

    @Sendable func invoicePage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let invoice = try await payments.invoice(context.parameters.get("id") ?? "", for: principal, logger: context.logger)
        var page = values(invoice, language: context.language)
        let isPayer = invoice.payer.accountId == nil || invoice.payer.accountId == principal.accountID
        page["mayPay"] = isPayer && invoice.state == .open
        // Paid under the name it was opened by: an invoice without a payer is only payable by its reference.
        page["payKey"] = context.parameters.get("id") ?? invoice.id.uuidString
        page["mayRefund"] = payments.mayRefund(principal, of: invoice.unit) && invoice.refundableAmount > 0
        page["mayCancel"] = payments.isFinanceStaff(principal, of: invoice.unit) && invoice.state == .open
        page["payments"] = (invoice.intents ?? []).map { ["reference": $0.reference, "id": $0.id.uuidString, "state": stateText($0.state.rawValue, context),
                                                          "amount": Self.money($0.amount), "at": time($0.updatedAt)] }
        page["refunds"] = (invoice.refunds ?? []).map { ["reference": $0.reference, "amount": Self.money($0.amount), "reason": $0.reason,
                                                         "at": time($0.createdAt)] }
        if let error = request.uri.queryParameters.get("error") { page["error"] = error }
        return try renderer.page("invoice", title: "invoice_title", context: context, values: page)
    }

    @Sendable func pay(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        do {
            let intent = try await payments.createIntent(NewIntent(invoice: id), by: try context.requirePrincipal(), logger: context.logger)
            return Response(status: .seeOther, headers: [.location: "/payments/intents/\(intent.id)"])
        } catch let problem as Problem where problem.status == .conflict {
            return Self.back(to: "/payments/invoices/\(id)", problem)
        }
    }

    @Sendable func refund(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let id = context.parameters.get("id") ?? ""
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        do {
            _ = try await payments.refund(id, NewRefund(amount: Int(form["amount"] ?? "") ?? 0, reason: form["reason"] ?? "",
                                                        refundAmountAvailable: Int(form["available"] ?? "")),
                                          by: try context.requirePrincipal(), logger: context.logger)
            return Response(status: .seeOther, headers: [.location: "/payments/invoices/\(id)"])
        } catch let problem as Problem where problem.status.code < 500 && problem.status != .notFound {
            return Self.back(to: "/payments/invoices/\(id)", problem)
        }
    }

    @Sendable func cancel(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        do {
            _ = try await payments.cancel(id, by: try context.requirePrincipal(), logger: context.logger)
            return Response(status: .seeOther, headers: [.location: "/payments/invoices/\(id)"])
        } catch let problem as Problem where problem.status == .conflict {
            return Self.back(to: "/payments/invoices/\(id)", problem)
        }
    }

    @Sendable func intentPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound() }
        let principal = try context.requirePrincipal()
        var intent = try await payments.intent(id, for: principal, logger: context.logger)
        if intent.state == .created { intent = try await payments.markStarted(id, by: principal, logger: context.logger) }
        let invoice = try await payments.invoice(ofIntent: id, for: principal, logger: context.logger)
        let values: [String: Any] = [
            "id": intent.id.uuidString, "reference": intent.reference, "invoiceId": invoice.id.uuidString, "invoiceReference": invoice.reference,
            "description": invoice.description, "unitName": invoice.unitName, "amount": Self.money(intent.amount), "state": intent.state.rawValue,
            "stateText": stateText(intent.state.rawValue, context), "qrSvg": try QRCode(text: intent.vietQR, level: .medium).svg(quietZone: 4, pixelsPerModule: 6), "payload": intent.vietQR,
            "bankBin": intent.beneficiary.bankBin, "accountNumber": intent.beneficiary.accountNumber, "accountName": intent.beneficiary.accountName,
            "purpose": "\(intent.reference) \(invoice.reference)", "expiresAt": time(intent.expiresAt), "live": intent.state.isLive,
            "success": intent.state == .success, "demoBank": simulator != nil && intent.state.isLive,
        ]
        return try renderer.page("payment", title: "payment_title", context: context, values: values)
    }

    @Sendable func demoBank(_ request: Request, context: HuesRequestContext) async throws -> Response {
        guard let simulator, let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound() }
        let intent = try await payments.intent(id, for: try context.requirePrincipal(), logger: context.logger)
        // The bank answers in the background, a couple of seconds later, as a real one would.
        _ = try await simulator.pay(BankSimulator.Order(payload: intent.vietQR, delaySeconds: 1.5, payerName: context.principal?.displayName),
                                    logger: context.logger)
        return Response(status: .seeOther, headers: [.location: "/payments/intents/\(id)"])
    }

    @Sendable func dossierFee(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        guard let invoice = try await payments.invoice(forDossier: code, for: try context.requirePrincipal(), logger: context.logger) else {
            throw Problem.notFound("Dossier \(code) has no fee invoice.")
        }
        return Response(status: .seeOther, headers: [.location: "/payments/invoices/\(invoice.id)"])
    }

    // MARK: Finance

    @Sendable func finance(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let units = principal.grants.staffUnits
        let isFinance = principal.has(.admin) || payments.isFinanceStaff(principal, of: payments.settings.financeUnit)
        let unit = request.uri.queryParameters.get("unit").map { String($0) } ?? units.first ?? payments.settings.financeUnit
        guard payments.isFinanceStaff(principal, of: unit) else { throw Problem.forbidden() }
        let period = Ledger.period(of: Date(), in: payments.calendar)
        let ledger = try await payments.ledger(unit: unit, from: period, through: period, for: principal, logger: context.logger)
        let invoices = try await payments.invoices(unit: unit, state: nil, for: principal, paging: Paging(limit: 100), logger: context.logger)
        let movements = try await Ledger.movements(unit: unit, limit: 30, on: try payments.database.sql(logger: context.logger))
        var values: [String: Any] = [
            "unit": unit, "unitName": payments.unitNames[unit] ?? unit, "period": period,
            "revenue": Self.money(ledger.revenue), "refunds": Self.money(ledger.refunds), "fees": Self.money(ledger.bankFees), "net": Self.money(ledger.net),
            "invoices": invoices.map { self.values($0, language: context.language) }, "noInvoices": invoices.isEmpty,
            "scope": isFinance ? "" : unit,
            "movements": movements.map { ["kind": renderer.translations.text("movement_\($0.kind)", language: context.language), "reference": $0.reference,
                                          "description": $0.description, "amount": Self.money($0.amount), "at": time($0.postedAt),
                                          "out": $0.amount < 0] },
            "noMovements": movements.isEmpty,
            "units": (isFinance ? payments.unitNames.keys.sorted() : units).map { ["code": $0, "name": payments.unitNames[$0] ?? $0, "selected": $0 == unit] },
            "defaultDue": isoDay(Date().addingTimeInterval(7 * 86_400)),
        ]
        do {
            let rejected = try await confirmations.list(outcome: "rejected", for: principal, limit: 20, logger: context.logger)
            values["rejected"] = rejected.map { ["transaction": $0.transactionId ?? "—", "reason": $0.reason ?? "", "amount": $0.amount.map(Self.money) ?? "—",
                                                 "at": time($0.receivedAt)] }
            values["noRejected"] = rejected.isEmpty
            let reports = try await payments.reconciliations(for: principal, limit: 5, logger: context.logger)
            values["reports"] = reports.map { report -> [String: Any] in
                ["file": report.fileName, "at": report.createdAt.map(time) ?? "", "matched": report.matched.count,
                 "mismatched": report.amountMismatches.count, "missingInLedger": report.missingInLedger.count,
                 "missingInStatement": report.missingInStatement.count, "malformed": report.malformed.count, "clean": report.isClean,
                 "problems": report.malformed.map { "line \($0.line): \($0.reason)" }
                    + report.missingInLedger.map { "\($0.transactionId) \($0.statementAmount.map(Self.money) ?? "")" }
                    + report.missingInStatement.map { "\($0.transactionId) \($0.ledgerAmount.map(Self.money) ?? "")" }
                    + report.amountMismatches.map { "\($0.transactionId): \($0.statementAmount ?? 0) ≠ \($0.ledgerAmount ?? 0)" }]
            }
        }
        if let error = request.uri.queryParameters.get("error") { values["error"] = error }
        return try renderer.page("finance", title: "finance_title", context: context, values: values)
    }

    @Sendable func issue(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        let unit = form["unit"] ?? ""
        let input = NewInvoice(unit: unit, payer: .init(username: form["payerUsername"].flatMap { $0.isEmpty ? nil : $0 }, name: form["payerName"] ?? ""),
                               kind: InvoiceKind(rawValue: form["kind"] ?? "") ?? .bill, description: form["description"] ?? "",
                               amount: Int(form["amount"] ?? "") ?? 0, dueDate: form["dueDate"] ?? "")
        do {
            let invoice = try await payments.issue(input, by: try context.requirePrincipal(), logger: context.logger)
            return Response(status: .seeOther, headers: [.location: "/payments/invoices/\(invoice.id)"])
        } catch let problem as Problem where problem.status.code < 500 {
            return Self.back(to: "/finance?unit=\(unit.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", problem)
        }
    }

    @Sendable func reconcile(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let principal = try context.requirePrincipal()
        guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) else { throw Problem.badRequest("Upload the statement file.") }
        let form = try MultipartForm(body: Data(buffer: try await request.collectBody(upTo: context.maxBodyBytes)), boundary: boundary)
        let unit = try payments.reconciliationScope(form["unit"].flatMap { $0.isEmpty ? nil : $0 }, for: principal)
        guard let file = form.parts.first(where: { $0.name == "statement" && !$0.data.isEmpty }),
              let text = String(validating: file.data, as: UTF8.self)
        else { return Self.back(to: "/finance", Problem.badRequest("Choose a CSV bank statement (UTF-8).")) }
        _ = try await payments.reconcile(text, fileName: String((file.fileName ?? "statement.csv").prefix(200)), unit: unit, by: principal.accountID,
                                    logger: context.logger)
        return Response(status: .seeOther, headers: [.location: "/finance?unit=\(unit ?? payments.settings.financeUnit)#reconciliation"])
    }

    // MARK: Helpers

    /// Mustache renders a section for any string, even an empty one (an invoice without a dossier got a nameless link
    /// to `/dossiers/`): absent values are left out.
    func values(_ invoice: InvoiceView, language: String) -> [String: Any] {
        let values: [String: Any] = ["id": invoice.id.uuidString, "reference": invoice.reference, "description": invoice.description, "unitName": invoice.unitName,
         "payerName": invoice.payer.name, "amount": Self.money(invoice.amount), "paid": Self.money(invoice.paidAmount),
         "refunded": Self.money(invoice.refundedAmount), "refundable": invoice.refundableAmount, "refundableText": Self.money(invoice.refundableAmount),
         "state": invoice.state.rawValue, "stateText": renderer.translations.text("invoice_state_\(invoice.state.rawValue)", language: language),
         "kind": renderer.translations.text("invoice_kind_\(invoice.kind.rawValue)", language: language), "dueAt": day(invoice.dueAt),
         "dossierCode": invoice.dossierCode ?? "", "paidAt": invoice.paidAt.map(time) ?? ""]
        return values.filter { !(($0.value as? String)?.isEmpty ?? false) }
    }

    func stateText(_ state: String, _ context: HuesRequestContext) -> String {
        renderer.translations.text("payment_state_\(state)", language: context.language)
    }

    static func back(to path: String, _ problem: Problem) -> Response {
        let message = ([problem.detail] + problem.errors.map { "\($0.field): \($0.message)" }).joined(separator: " ")
        let separator = path.contains("?") ? "&" : "?"
        return Response(status: .seeOther,
                        headers: [.location: "\(path)\(separator)error=\(message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"])
    }

    static func money(_ amount: Int) -> String { vndText(amount) }

    func time(_ date: Date) -> String { renderer.clock.text(date) }

    /// `2026-12-08`: the value of a date input, in the city's calendar.
    func isoDay(_ date: Date) -> String { payments.calendar.civilDate(of: date).description }

    func day(_ date: Date) -> String { renderer.clock.day(date) }
}
