import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

extension PaymentService {
    /// A new attempt to pay an invoice: a dynamic VietQR for the exact amount, naming the intent in its purpose.
    /// An earlier attempt the payer has not sent yet is cancelled; one the bank is processing blocks a new one.
    public func createIntent(_ new: NewIntent, by principal: Principal, logger: Logger) async throws -> IntentView {
        guard let existing = try await findInvoice(new.invoice, on: try database.db(logger: logger)), maySee(existing, principal, presented: new.invoice),
              let invoiceID = existing.id
        else { throw Problem.unprocessable([.init(field: "invoice", message: "no invoice '\(new.invoice)'")]) }
        guard mayPay(existing, principal, presented: new.invoice) else { throw Problem.forbidden("This invoice is addressed to someone else.") }
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase, let invoice = try await InvoiceRecord.read(invoiceID, on: sql) else { throw Problem.internal() }
            switch InvoiceState(rawValue: invoice.state) {
            case .open: break
            case .paid, .partiallyRefunded, .refunded: throw Problem.conflict("Invoice \(invoice.reference) has already been paid.")
            case .cancelled: throw Problem.conflict("Invoice \(invoice.reference) was cancelled.")
            case .expired, nil: throw Problem.conflict("Invoice \(invoice.reference) is past its due date.")
            }
            // The sweep expires overdue invoices every few seconds; between two sweeps the date still decides.
            if invoice.dueAt < Date() { throw Problem.conflict("Invoice \(invoice.reference) is past its due date.") }
            let live = try await sql.raw("""
                SELECT state FROM payment_intents WHERE invoice_id = \(bind: invoiceID) AND state IN ('created', 'started', 'submitted')
                """).all().map { try $0.decode(column: "state", as: String.self) }
            if live.contains(IntentState.submitted.rawValue) {
                throw Problem.conflict("A payment of this invoice is being processed by the bank.")
            }
            let now = Date()
            if !live.isEmpty {
                try await sql.raw("""
                    UPDATE payment_intents SET state = 'cancelled', failure_reason = 'replaced by a newer payment attempt', updated_at = \(bind: now) \
                    WHERE invoice_id = \(bind: invoiceID) AND state IN ('created', 'started')
                    """).run()
            }
            let account = settings.account(for: invoice.unitCode)
            let record = IntentRecord()
            record.id = UUID()
            record.reference = PaymentReference.intent()
            record.invoiceID = invoiceID
            record.amount = invoice.amount - invoice.paidAmount
            record.state = IntentState.created.rawValue
            record.payload = try VietQR(bankBIN: account.bankBin, accountNumber: account.accountNumber, amount: record.amount,
                                        purpose: "\(record.reference) \(invoice.reference)", merchantName: account.accountName,
                                        merchantCity: settings.merchantCity).payload()
            record.createdBy = principal.accountID
            record.createdAt = now
            record.updatedAt = now
            record.expiresAt = now.addingTimeInterval(settings.intentLifetime)
            try await record.insert(on: sql)
            try await EventLog.append(try DomainEvent(type: "payments.intent.created", actorID: principal.accountID, actorName: principal.displayName,
                                                      unitCode: invoice.unitCode, subject: record.reference,
                                                      payload: ["invoice": invoice.reference, "amount": String(record.amount)]), on: db)
            return try self.view(record, invoice: invoice)
        }
    }

    public func intent(_ id: UUID, for principal: Principal, logger: Logger) async throws -> IntentView {
        let db = try database.db(logger: logger)
        // Whoever started a payment follows it (for an invoice without a payer, that is who presented its reference).
        guard let record = try await IntentRecord.find(id, on: db), let invoice = try await InvoiceRecord.find(record.invoiceID, on: db),
              maySee(invoice, principal) || record.createdBy == principal.accountID
        else { throw Problem.notFound("No payment \(id).") }
        return try view(record, invoice: invoice)
    }

    /// The invoice a payment is for, for whoever may follow that payment.
    public func invoice(ofIntent id: UUID, for principal: Principal, logger: Logger) async throws -> InvoiceView {
        let db = try database.db(logger: logger)
        guard let record = try await IntentRecord.find(id, on: db), let invoice = try await InvoiceRecord.find(record.invoiceID, on: db),
              maySee(invoice, principal) || record.createdBy == principal.accountID
        else { throw Problem.notFound("No payment \(id).") }
        // Whoever started it could pay it: the invoice's reference stands for them as it did then.
        return try await self.invoice(invoice.reference, for: principal, logger: logger)
    }

    /// The payer opened the payment page: GOV.UK Pay's "started".
    public func markStarted(_ id: UUID, by principal: Principal, logger: Logger) async throws -> IntentView {
        _ = try await intent(id, for: principal, logger: logger)
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("UPDATE payment_intents SET state = 'started', updated_at = \(bind: Date()) WHERE id = \(bind: id) AND state = 'created'").run()
        }
        return try await intent(id, for: principal, logger: logger)
    }

    public func cancelIntent(_ id: UUID, by principal: Principal, logger: Logger) async throws -> IntentView {
        _ = try await intent(id, for: principal, logger: logger)
        let db = try database.db(logger: logger)
        guard let record = try await IntentRecord.find(id, on: db), let invoice = try await InvoiceRecord.find(record.invoiceID, on: db),
              record.createdBy == principal.accountID || mayPay(invoice, principal) || isFinanceStaff(principal, of: invoice.unitCode)
        else { throw Problem.forbidden() }
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let rows = try await sql.raw("""
                UPDATE payment_intents SET state = 'cancelled', failure_reason = 'cancelled by the payer', updated_at = \(bind: Date())
                WHERE id = \(bind: id) AND state IN ('created', 'started') RETURNING id
                """).all()
            guard !rows.isEmpty else { throw Problem.conflict("Only a payment that has not been sent to the bank can be cancelled.") }
            try await EventLog.append(DomainEvent(type: "payments.intent.cancelled", actorID: principal.accountID, actorName: principal.displayName,
                                                  unitCode: invoice.unitCode, subject: record.reference), on: db)
        }
        return try await intent(id, for: principal, logger: logger)
    }

    // MARK: Refunds

    /// Pays money back, in two steps. First the money is reserved in one transaction: the conditional update is the
    /// guard, so two refunds racing for the same money cannot both pass, and the ledger records it going out. Then the
    /// bank is asked to send it; if it refuses, the reservation is reversed in the ledger and on the invoice.
    public func refund(_ idOrReference: String, _ new: NewRefund, by principal: Principal, logger: Logger) async throws -> RefundView {
        var errors: [Problem.FieldError] = []
        if !VND.isPayable(new.amount) { errors.append(.init(field: "amount", message: "a whole number of VND above zero, at most 13 digits")) }
        if new.reason.trimmingCharacters(in: .whitespaces).isEmpty || new.reason.count > 500 { errors.append(.init(field: "reason", message: "1 to 500 characters")) }
        guard errors.isEmpty else { throw Problem.unprocessable(errors) }
        guard let existing = try await findInvoice(idOrReference, on: try database.db(logger: logger)), let id = existing.id,
              isFinanceStaff(principal, of: existing.unitCode)
        else { throw Problem.notFound("No invoice \(idOrReference).") }
        guard mayRefund(principal, of: existing.unitCode) else { throw Problem.forbidden("Refunds are approved by a leader of the unit or of finance.") }
        let (reserved, paidWith) = try await database.write(logger: logger) { db -> (RefundRecord, String) in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard let invoice = try await InvoiceRecord.find(id, on: db) else { throw Problem.internal() }
            if let seen = new.refundAmountAvailable, seen != invoice.paidAmount - invoice.refundedAmount {
                throw Problem(status: .conflict, type: "refund-amount-available-mismatch", title: "Refundable amount changed",
                              detail: "The refundable amount is now \(invoice.paidAmount - invoice.refundedAmount) VND, not \(seen).")
            }
            let now = Date()
            let rows = try await sql.raw("""
                UPDATE payment_invoices SET refunded_amount = refunded_amount + \(bind: new.amount),
                state = CASE WHEN refunded_amount + \(bind: new.amount) = paid_amount THEN 'refunded' ELSE 'partially_refunded' END,
                updated_at = \(bind: now)
                WHERE id = \(bind: id) AND state IN ('paid', 'partially_refunded') AND paid_amount - refunded_amount >= \(bind: new.amount) RETURNING id
                """).all()
            guard !rows.isEmpty else {
                throw Problem(status: .conflict, type: "over-refund", title: "Refund exceeds what was paid",
                              detail: "At most \(max(invoice.paidAmount - invoice.refundedAmount, 0)) VND of invoice \(invoice.reference) can be refunded.")
            }
            // The bank refunds a transfer it knows; without one (paid some other way) there is nothing to send it.
            guard let paidWith = try await IntentRecord.query(on: db).filter(\.$invoiceID == id).filter(\.$state == IntentState.success.rawValue)
                .first()?.bankTransactionID, !paidWith.isEmpty
            else {
                throw Problem.conflict("Invoice \(invoice.reference) was not paid by a bank transfer the platform saw; refund it at the treasury.")
            }
            let record = RefundRecord()
            record.id = UUID()
            record.reference = try await PaymentReference.unused(in: RefundRecord.schema, PaymentReference.refund, on: db)
            record.invoiceID = id
            record.unitCode = invoice.unitCode
            record.amount = new.amount
            record.reason = new.reason
            record.state = "submitted"
            record.createdBy = principal.accountID
            record.createdAt = now
            try await record.create(on: db)
            try await Ledger.post(kind: "refund", reference: record.reference, invoiceID: id, unit: invoice.unitCode,
                                  description: "Refund of \(invoice.reference): \(new.reason)",
                                  postings: [.debit(Ledger.refunds(invoice.unitCode), new.amount), .credit(Ledger.payerClearing, new.amount)],
                                  at: now, calendar: calendar, on: db)
            try await EventLog.append(try DomainEvent(type: "payments.refund.submitted", actorID: principal.accountID, actorName: principal.displayName,
                                                      unitCode: invoice.unitCode, subject: record.reference,
                                                      payload: ["invoice": invoice.reference, "amount": String(new.amount)]), on: db)
            return (record, paidWith)
        }
        let refundID = try reserved.requireID()
        guard let provider else { return try Self.view(reserved) }
        let bankReference: String
        do {
            bankReference = try await provider.refund(amount: new.amount, of: paidWith, reference: reserved.reference)
        } catch {
            try await reverse(refundID, because: "\(error)", logger: logger)
            throw Problem(status: .badGateway, type: "bank-refund-failed", title: "The bank did not send the refund",
                          detail: "The bank refused the refund; nothing was paid out and the amount is refundable again.")
        }
        return try await database.write(logger: logger) { db in
            guard let record = try await RefundRecord.find(refundID, on: db), let invoice = try await InvoiceRecord.find(record.invoiceID, on: db) else {
                throw Problem.internal()
            }
            record.state = "success"
            record.bankReference = bankReference
            try await record.update(on: db)
            try await EventLog.append(try DomainEvent(type: "payments.refund.succeeded", unitCode: record.unitCode, subject: record.reference,
                                                      payload: ["invoice": invoice.reference, "amount": String(record.amount), "bankReference": bankReference]),
                                      on: db)
            let view = try Self.view(record)
            try await outbox.enqueue("payment.refunded", data: RefundEvent(invoice: try self.view(invoice), refund: view), on: db)
            return view
        }
    }

    /// Undoes a reserved refund the bank did not send: a reversing ledger transaction and the amount refundable again.
    func reverse(_ refundID: UUID, because reason: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard let record = try await RefundRecord.find(refundID, on: db) else {
                logger.error("refund to reverse not found", metadata: ["refund": .string(refundID.uuidString), "reason": .string(String(reason.prefix(300)))])
                throw Problem.internal()
            }
            guard record.state == "submitted" else {
                // Already settled another way (sent, or reversed by an earlier attempt): reversing again would pay twice.
                logger.warning("refund not reversed: it is no longer submitted", metadata: ["refund": .string(record.reference), "state": .string(record.state)])
                return
            }
            let now = Date()
            try await sql.raw("""
                UPDATE payment_invoices SET refunded_amount = refunded_amount - \(bind: record.amount),
                state = CASE WHEN refunded_amount - \(bind: record.amount) = 0 THEN 'paid' ELSE 'partially_refunded' END, updated_at = \(bind: now)
                WHERE id = \(bind: record.invoiceID)
                """).run()
            record.state = "failed"
            try await record.update(on: db)
            try await Ledger.post(kind: "refund-reversal", reference: record.reference, invoiceID: record.invoiceID, unit: record.unitCode,
                                  description: "Refund \(record.reference) not sent by the bank",
                                  postings: [.debit(Ledger.payerClearing, record.amount), .credit(Ledger.refunds(record.unitCode), record.amount)],
                                  at: now, calendar: calendar, on: db)
            try await EventLog.append(try DomainEvent(type: "payments.refund.failed", unitCode: record.unitCode, subject: record.reference,
                                                      payload: ["reason": String(reason.prefix(300))]), on: db)
        }
    }

    // MARK: Time

    /// Expires unpaid attempts and overdue invoices, gives up on payments the bank has not answered for a day, and
    /// forgets idempotency keys older than two days.
    @discardableResult
    public func sweep(now: Date = Date(), logger: Logger) async throws -> (intents: Int, invoices: Int) {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let intents = try await sql.raw("""
                UPDATE payment_intents SET state = 'expired', updated_at = \(bind: now) WHERE state IN ('created', 'started') AND expires_at < \(bind: now)
                RETURNING reference
                """).all()
            // A payment the bank took but never confirmed must not block its invoice for ever; a late confirmation still
            // pays the invoice if it is open.
            try await sql.raw("""
                UPDATE payment_intents SET state = 'error', failure_reason = 'the bank did not confirm within a day', updated_at = \(bind: now)
                WHERE state = 'submitted' AND updated_at < \(bind: now.addingTimeInterval(-86_400))
                """).run()
            let invoices = try await sql.raw("""
                UPDATE payment_invoices SET state = 'expired', updated_at = \(bind: now) WHERE state = 'open' AND due_at < \(bind: now)
                AND NOT EXISTS (SELECT 1 FROM payment_intents i WHERE i.invoice_id = payment_invoices.id AND i.state = 'submitted')
                RETURNING reference, unit_code
                """).all()
            for row in invoices {
                try await EventLog.append(DomainEvent(type: "payments.invoice.expired", unitCode: try row.decode(column: "unit_code", as: String.self),
                                                      subject: try row.decode(column: "reference", as: String.self)), on: db)
            }
            try await sql.raw("DELETE FROM payment_idempotency WHERE created_at < \(bind: now.addingTimeInterval(-48 * 3600))").run()
            return (intents.count, invoices.count)
        }
    }
}

struct RefundEvent: Codable, Sendable {
    var invoice: InvoiceView
    var refund: RefundView
}
