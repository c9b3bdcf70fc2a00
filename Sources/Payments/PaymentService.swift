import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// What the platform asks of the bank that holds the collection accounts, beyond the confirmations it receives.
public protocol BankProvider: Sendable {
    /// Sends `amount` back to whoever paid with bank transaction `transactionId`; returns the bank's reference of the
    /// refund transfer. `reference` is ours and goes into the transfer's description.
    func refund(amount: Int, of transactionId: String, reference: String) async throws -> String
}

/// Invoices, payment intents and refunds, with their money in the ledger and their events in the log.
public struct PaymentService: Sendable {
    let database: PlatformDatabase
    public let settings: PaymentSettings
    let unitNames: [String: String]
    /// Whoever must hear, in the payment's transaction, that a fee was paid (public services moves the dossier on).
    let capabilities: Capabilities
    /// The city's calendar: due dates end at midnight there, and the ledger's months are its months.
    public let calendar: WorkCalendar
    let outbox: WebhookOutbox
    let provider: (any BankProvider)?
    /// Finds payers' accounts; without it (unit tests) account ids are taken as given.
    let accounts: (any StaffDirectory)?

    public init(database: PlatformDatabase, settings: PaymentSettings, profile: CityProfile, capabilities: Capabilities = Capabilities(), outbox: WebhookOutbox,
                provider: (any BankProvider)? = nil, accounts: (any StaffDirectory)? = nil) {
        self.provider = provider
        self.accounts = accounts
        self.database = database
        self.settings = settings
        self.unitNames = Dictionary(uniqueKeysWithValues: profile.units.map { ($0.code, $0.name) })
        self.capabilities = capabilities
        self.calendar = profile.calendar
        self.outbox = outbox
    }

    // MARK: Who may do what

    /// Staff of the unit, and of the finance department, see and issue a unit's invoices.
    func isFinanceStaff(_ principal: Principal, of unit: String) -> Bool {
        principal.isStaff(of: unit) || principal.isStaff(of: settings.financeUnit)
    }

    /// Finance and admins see every unit's money.
    func seesEveryUnit(_ principal: Principal) -> Bool {
        principal.has(.admin) || isFinanceStaff(principal, of: settings.financeUnit)
    }

    /// Which statement a caller may reconcile: finance any (nil = the whole city), unit staff their own unit's.
    public func reconciliationScope(_ requested: String?, for principal: Principal) throws -> String? {
        if seesEveryUnit(principal) { return requested }
        let units = principal.grants.staffUnits
        guard let unit = requested ?? (units.count == 1 ? units.first : nil), isFinanceStaff(principal, of: unit) else {
            throw Problem.forbidden("Staff reconcile their own unit's collection account.")
        }
        return unit
    }

    /// Refunds give money back, so they take a leader of the unit or of finance.
    func mayRefund(_ principal: Principal, of unit: String) -> Bool {
        principal.has(.unitLeader, in: unit) || principal.has(.unitLeader, in: settings.financeUnit)
    }

    /// The payer and the unit's (or finance's) staff see an invoice. One without a payer account (a fee filed at the
    /// counter for someone without one) is open to whoever presents its reference, printed on the receipt slip;
    /// never to whoever guesses its id or its dossier's code.
    func maySee(_ record: InvoiceRecord, _ principal: Principal, presented: String? = nil) -> Bool {
        if record.payerID == principal.accountID || isFinanceStaff(principal, of: record.unitCode) { return true }
        return record.payerID == nil && presented?.uppercased() == record.reference
    }

    func mayPay(_ record: InvoiceRecord, _ principal: Principal, presented: String? = nil) -> Bool {
        record.payerID == principal.accountID || (record.payerID == nil && presented?.uppercased() == record.reference)
    }

    // MARK: Invoices

    public func issue(_ new: NewInvoice, by principal: Principal, logger: Logger) async throws -> InvoiceView {
        guard isFinanceStaff(principal, of: new.unit) else { throw Problem.forbidden("Only staff of \(new.unit) or of finance issue its invoices.") }
        let checked = try validate(new)
        let resolved = try await resolvePayer(new, logger: logger)
        return try await database.write(logger: logger) { db in
            try await self.create(resolved, dueAt: checked, createdBy: principal.accountID, actorName: principal.displayName, on: db)
        }
    }

    /// An invoice addressed to an account must name one that exists: otherwise nobody could ever see or pay it.
    func resolvePayer(_ new: NewInvoice, logger: Logger) async throws -> NewInvoice {
        guard let accounts else { return new }
        var resolved = new
        if let username = new.payer.username {
            guard let person = try await accounts.profile(username: username, logger: logger) else {
                throw Problem.unprocessable([.init(field: "payer.username", message: "no active account '\(username)'")])
            }
            if let id = new.payer.accountId, id != person.accountID {
                throw Problem.unprocessable([.init(field: "payer.accountId", message: "is not the account of '\(username)'")])
            }
            resolved.payer.accountId = person.accountID
        } else if let id = new.payer.accountId, try await accounts.profile(accountID: id, logger: logger) == nil {
            throw Problem.unprocessable([.init(field: "payer.accountId", message: "no active account with this id")])
        }
        resolved.payer.username = nil
        return resolved
    }

    /// Creates an invoice inside the caller's transaction (a dossier's fee request).
    public func issue(_ new: NewInvoice, createdBy: String, actorName: String, on db: any Database) async throws -> InvoiceView {
        try await create(new, dueAt: try validate(new), createdBy: createdBy, actorName: actorName, on: db)
    }

    func validate(_ new: NewInvoice) throws -> Date {
        var errors: [Problem.FieldError] = []
        if unitNames[new.unit] == nil { errors.append(.init(field: "unit", message: "no unit '\(new.unit)'")) }
        if !VND.isPayable(new.amount) { errors.append(.init(field: "amount", message: "a whole number of VND above zero, at most 13 digits")) }
        if new.description.trimmingCharacters(in: .whitespaces).isEmpty || new.description.count > 500 {
            errors.append(.init(field: "description", message: "1 to 500 characters"))
        }
        if new.payer.name.trimmingCharacters(in: .whitespaces).isEmpty || new.payer.name.count > 200 {
            errors.append(.init(field: "payer.name", message: "1 to 200 characters"))
        }
        let due = CivilDate(new.dueDate)
        if due == nil { errors.append(.init(field: "dueDate", message: "a date as YYYY-MM-DD")) }
        guard errors.isEmpty, let due else { throw Problem.unprocessable(errors) }
        let end = endOfDay(due)
        if end < Date() { throw Problem.unprocessable([.init(field: "dueDate", message: "today or later")]) }
        return end
    }

    /// The last second of a day in the city.
    func endOfDay(_ date: CivilDate) -> Date { calendar.instant(date, secondsIntoDay: 86_399) }

    func create(_ new: NewInvoice, dueAt: Date, createdBy: String, actorName: String, on db: any Database) async throws -> InvoiceView {
        let now = Date()
        let record = InvoiceRecord()
        record.id = UUID()
        record.reference = try await PaymentReference.unused(in: InvoiceRecord.schema, PaymentReference.invoice, on: db)
        record.unitCode = new.unit
        record.payerID = new.payer.accountId
        record.payerName = new.payer.name
        record.kind = new.kind.rawValue
        record.description = new.description
        record.amount = new.amount
        record.paidAmount = 0
        record.refundedAmount = 0
        record.state = InvoiceState.open.rawValue
        record.dueAt = dueAt
        record.dossierCode = new.dossierCode
        record.createdBy = createdBy
        record.createdAt = now
        record.updatedAt = now
        try await record.create(on: db)
        let view = try self.view(record)
        try await EventLog.append(try DomainEvent(type: "payments.invoice.issued", actorID: createdBy, actorName: actorName, unitCode: new.unit,
                                                  subject: record.reference,
                                                  payload: ["amount": String(new.amount), "kind": new.kind.rawValue, "dossier": new.dossierCode ?? ""]),
                                  on: db)
        try await outbox.enqueue("invoice.created", data: InvoiceEvent(invoice: view), on: db)
        return view
    }

    public func invoice(_ idOrReference: String, for principal: Principal, logger: Logger) async throws -> InvoiceView {
        let db = try database.db(logger: logger)
        let record = try await findInvoice(idOrReference, on: db)
        guard let record, maySee(record, principal, presented: idOrReference), let id = record.id else { throw Problem.notFound("No invoice \(idOrReference).") }
        var view = try self.view(record)
        // A household bill addressed to no account is payable by whoever holds its reference; their name is not theirs to read.
        if record.payerID != principal.accountID && !isFinanceStaff(principal, of: record.unitCode) { view.payer.name = "" }
        if record.payerID != principal.accountID, !view.payer.name.isEmpty {
            try await logPayerRead(unit: record.unitCode, listing: "invoice:\(record.reference)", references: [record.reference], by: principal, logger: logger)
        }
        view.intents = try await IntentRecord.query(on: db).filter(\.$invoiceID == id).sort(\.$createdAt, .descending).all().map { try self.view($0, invoice: record) }
        view.refunds = try await RefundRecord.query(on: db).filter(\.$invoiceID == id).sort(\.$createdAt, .ascending).all().map { try Self.view($0) }
        return view
    }

    /// For reading only (see PaymentsRows.swift): a change re-reads the row inside its transaction.
    func findInvoice(_ idOrReference: String, on db: any Database) async throws -> InvoiceRecord? {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        if let id = UUID(uuidString: idOrReference) { return try await InvoiceRecord.read(id, on: sql) }
        return try await InvoiceRecord.read(reference: idOrReference.uppercased(), on: sql)
    }

    /// The payer's own invoices, newest first.
    public func mine(_ principal: Principal, paging: Paging, logger: Logger) async throws -> [InvoiceView] {
        try await InvoiceRecord.query(on: try database.db(logger: logger)).filter(\.$payerID == principal.accountID)
            .sort(\.$createdAt, .descending).sort(\.$id).range(paging.range).all().map { try self.view($0) }
    }

    /// The invoice of a dossier's fee, for the dossier's applicant.
    public func invoice(forDossier code: String, for principal: Principal, logger: Logger) async throws -> InvoiceView? {
        let records = try await InvoiceRecord.query(on: try database.db(logger: logger)).filter(\.$dossierCode == code.uppercased())
            .sort(\.$createdAt, .descending).all()
        guard let record = records.first(where: { maySee($0, principal) }) else { return nil }
        let view = try self.view(record)
        if record.payerID != principal.accountID, !view.payer.name.isEmpty {
            try await logPayerRead(unit: record.unitCode, listing: "invoice:\(record.reference)", references: [record.reference], by: principal, logger: logger)
        }
        return view
    }

    /// A unit's invoices for its staff (finance sees every unit).
    public func invoices(unit: String, state: InvoiceState?, for principal: Principal, paging: Paging, logger: Logger) async throws
        -> [InvoiceView]
    {
        guard isFinanceStaff(principal, of: unit) else { throw Problem.forbidden() }
        var query = InvoiceRecord.query(on: try database.db(logger: logger)).filter(\.$unitCode == unit)
        if let state { query = query.filter(\.$state == state.rawValue) }
        let invoices = try await query.sort(\.$createdAt, .descending).range(paging.range).all().map { try self.view($0) }
        let named = invoices.filter { !$0.payer.name.isEmpty && $0.payer.accountId != principal.accountID }.map(\.reference)
        try await logPayerRead(unit: unit, listing: "invoice-list:\(unit)", references: named, by: principal, logger: logger)
        return invoices
    }

    /// Staff shown payers' names: who saw whose, and when, goes into the event log (Law 91/2025), once per reader,
    /// invoice and city day.
    private func logPayerRead(unit: String, listing: String, references: [String], by principal: Principal, logger: Logger) async throws {
        guard !references.isEmpty else { return }
        try await PersonalDataReads.record(type: "payments.payer.read", reader: principal.accountID, readerName: principal.username, unitCode: unit,
                                           listing: listing, subjects: references.map { "invoice:\($0)" }, on: database,
                                           timeZone: calendar.timeZone, logger: logger)
    }

    public func cancel(_ idOrReference: String, by principal: Principal, logger: Logger) async throws -> InvoiceView {
        let existing = try await findInvoice(idOrReference, on: try database.db(logger: logger))
        guard let existing, let id = existing.id, isFinanceStaff(principal, of: existing.unitCode) else { throw Problem.notFound("No invoice \(idOrReference).") }
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            // Only an open invoice with no payment under way can be cancelled; the bank may still confirm a submitted one.
            let rows = try await sql.raw("""
                UPDATE payment_invoices SET state = 'cancelled', updated_at = \(bind: Date()) WHERE id = \(bind: id) AND state = 'open'
                AND NOT EXISTS (SELECT 1 FROM payment_intents WHERE invoice_id = \(bind: id) AND state = 'submitted') RETURNING id
                """).all()
            guard !rows.isEmpty else { throw Problem.conflict("Only an open invoice without a payment in progress can be cancelled.") }
            try await sql.raw("""
                UPDATE payment_intents SET state = 'cancelled', updated_at = \(bind: Date()) WHERE invoice_id = \(bind: id) AND state IN ('created', 'started')
                """).run()
            guard let fresh = try await InvoiceRecord.find(id, on: db) else { throw Problem.internal() }
            let view = try self.view(fresh)
            try await EventLog.append(DomainEvent(type: "payments.invoice.cancelled", actorID: principal.accountID, actorName: principal.displayName,
                                                  unitCode: fresh.unitCode, subject: fresh.reference), on: db)
            try await outbox.enqueue("invoice.cancelled", data: InvoiceEvent(invoice: view), on: db)
            return view
        }
    }

    // MARK: Views

    // Views read stored rows: a row without an id, or a kind or state this code does not know, is damage. It is logged
    // (table, column, row) and fails the request, rather than showing a default the data never said.

    func view(_ record: InvoiceRecord) throws -> InvoiceView {
        let id = try record.requireID()
        let kind = try StoredData.value(InvoiceKind.self, from: record.kind, table: InvoiceRecord.schema, column: "kind", row: id.uuidString, logger: nil)
        let state = try StoredData.value(InvoiceState.self, from: record.state, table: InvoiceRecord.schema, column: "state", row: id.uuidString, logger: nil)
        return InvoiceView(id: id, reference: record.reference, unit: record.unitCode, unitName: unitNames[record.unitCode] ?? record.unitCode,
                           payer: .init(accountId: record.payerID, name: record.payerName), kind: kind,
                           description: record.description, amount: record.amount, paidAmount: record.paidAmount, refundedAmount: record.refundedAmount,
                           refundableAmount: record.paidAmount - record.refundedAmount, state: state,
                           dueAt: record.dueAt, dossierCode: record.dossierCode, createdAt: record.createdAt, paidAt: record.paidAt)
    }

    /// The account the payer was told to pay: the one in the intent's own QR, even if the city's settings changed since.
    ///
    /// A stored payload that does not read is logged and thrown, not replaced by today's settings account: the payer would
    /// be shown an account their QR never named, and the bank refuses a confirmation for that payload anyway ("invalid-qr").
    func beneficiary(of record: IntentRecord, invoice: InvoiceRecord) throws -> IntentView.Beneficiary {
        let qr: VietQR
        do {
            qr = try VietQR.decode(record.payload)
        } catch {
            throw StoredData.damaged(table: IntentRecord.schema, column: "payload", row: record.id?.uuidString ?? "(no id)",
                                     detail: "payment intent \(record.reference) has a payload that is not a VietQR: \(error)", logger: nil)
        }
        let account = settings.account(for: invoice.unitCode)
        return .init(bankBin: qr.bankBIN, accountNumber: qr.accountNumber, accountName: qr.merchantName ?? account.accountName)
    }

    func view(_ record: IntentRecord, invoice: InvoiceRecord) throws -> IntentView {
        let id = try record.requireID()
        let state = try StoredData.value(IntentState.self, from: record.state, table: IntentRecord.schema, column: "state", row: id.uuidString, logger: nil)
        return IntentView(id: id, reference: record.reference, invoiceId: record.invoiceID, invoiceReference: invoice.reference,
                          amount: record.amount, state: state, failureReason: record.failureReason,
                          vietQR: record.payload,
                          beneficiary: try beneficiary(of: record, invoice: invoice),
                          createdAt: record.createdAt, updatedAt: record.updatedAt, expiresAt: record.expiresAt)
    }

    static func view(_ record: RefundRecord) throws -> RefundView {
        RefundView(id: try record.requireID(), reference: record.reference, invoiceId: record.invoiceID, amount: record.amount, reason: record.reason,
                   state: record.state, bankReference: record.bankReference, createdAt: record.createdAt)
    }
}

/// The body of invoice webhooks.
struct InvoiceEvent: Codable, Sendable {
    var invoice: InvoiceView
}
