import FluentKit
import Foundation
import Platform
import SQLKit

/// What an invoice is for. A dossier fee is created by the public-services workflow; bills and tuition by units.
/// Whole Vietnamese đồng. Every amount from outside (invoices, refunds, bank confirmations, statements) is checked
/// against these bounds before it is stored or added up: 13 digits leave sums of millions of payments inside Int64.
public enum VND {
    public static let maxAmount = 9_999_999_999_999

    /// Above zero and at most `maxAmount`.
    public static func isPayable(_ amount: Int) -> Bool { amount > 0 && amount <= maxAmount }
}

public enum InvoiceKind: String, Codable, Sendable, CaseIterable {
    case fee
    case bill
    case tuition
}

public enum InvoiceState: String, Codable, Sendable, CaseIterable {
    case open
    case paid
    case partiallyRefunded = "partially_refunded"
    case refunded
    case cancelled
    case expired
}

/// GOV.UK Pay's payment states.
public enum IntentState: String, Codable, Sendable, CaseIterable {
    case created, started, submitted, success, failed, cancelled, expired, error

    /// States the payer can still pay from; the bank's word moves it on.
    public var isLive: Bool { [.created, .started, .submitted].contains(self) }
}

public struct NewInvoice: Codable, Sendable {
    /// Who pays: an account (by id or username) or, for a household bill, only a name.
    public struct Payer: Codable, Sendable {
        public var accountId: String?
        /// Staff know people by username; it is turned into the account id when the invoice is issued.
        public var username: String?
        public var name: String

        public init(accountId: String? = nil, username: String? = nil, name: String) {
            self.accountId = accountId
            self.username = username
            self.name = name
        }
    }

    public var unit: String
    public var payer: Payer
    public var kind: InvoiceKind
    public var description: String
    public var amount: Int
    /// YYYY-MM-DD; the invoice expires at the end of that day (Vietnam time).
    public var dueDate: String
    public var dossierCode: String?

    public init(unit: String, payer: Payer, kind: InvoiceKind, description: String, amount: Int, dueDate: String, dossierCode: String? = nil) {
        self.unit = unit
        self.payer = payer
        self.kind = kind
        self.description = description
        self.amount = amount
        self.dueDate = dueDate
        self.dossierCode = dossierCode
    }
}

public struct InvoiceView: Codable, Sendable, Equatable {
    public var id: UUID
    public var reference: String
    public var unit: String
    public var unitName: String
    public var payer: NewInvoice.Payer
    public var kind: InvoiceKind
    public var description: String
    public var amount: Int
    public var paidAmount: Int
    public var refundedAmount: Int
    public var refundableAmount: Int
    public var state: InvoiceState
    public var dueAt: Date
    public var dossierCode: String?
    public var createdAt: Date
    public var paidAt: Date?
    public var intents: [IntentView]?
    public var refunds: [RefundView]?
}

extension NewInvoice.Payer: Equatable {}

public struct IntentView: Codable, Sendable, Equatable {
    public struct Beneficiary: Codable, Sendable, Equatable {
        public var bankBin: String
        public var accountNumber: String
        public var accountName: String
    }

    public var id: UUID
    public var reference: String
    public var invoiceId: UUID
    public var invoiceReference: String
    public var amount: Int
    public var state: IntentState
    public var failureReason: String?
    /// The VietQR payload the payer's banking app scans.
    public var vietQR: String
    public var beneficiary: Beneficiary
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date
}

public struct NewIntent: Codable, Sendable {
    public var invoice: String

    public init(invoice: String) {
        self.invoice = invoice
    }
}

public struct NewRefund: Codable, Sendable {
    public var amount: Int
    public var reason: String
    /// Optimistic guard (GOV.UK Pay): the refundable amount the caller saw; a different current value is a conflict.
    public var refundAmountAvailable: Int?

    public init(amount: Int, reason: String, refundAmountAvailable: Int? = nil) {
        self.amount = amount
        self.reason = reason
        self.refundAmountAvailable = refundAmountAvailable
    }
}

public struct RefundView: Codable, Sendable, Equatable {
    public var id: UUID
    public var reference: String
    public var invoiceId: UUID
    public var amount: Int
    public var reason: String
    /// `submitted` (money reserved, not yet sent), `success` (the bank sent it) or `failed` (reversed in the ledger).
    public var state: String
    /// The bank's reference of the refund transfer.
    public var bankReference: String?
    public var createdAt: Date
}

/// Short codes people read out and banks print on statements: no 0/O or 1/I to confuse.
enum PaymentReference {
    static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    static func make(prefix: String, length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }

    static func invoice() -> String { make(prefix: "HD", length: 8) }

    /// A reference no row of `table` has yet. Eight random characters collide now and then once a city has issued
    /// millions (the birthday bound), so a taken draw is drawn again inside the caller's transaction rather than
    /// failing the write on the unique index; a sixth taken draw in a row means something else is wrong.
    static func unused(in table: String, _ draw: () -> String, on db: any Database) async throws -> String {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        for _ in 0..<6 {
            let reference = draw()
            let taken = try await sql.raw("SELECT 1 AS taken FROM \(ident: table) WHERE reference = \(bind: reference)").first()
            if taken == nil { return reference }
        }
        throw Problem.internal()
    }
    static func intent() -> String { make(prefix: "P", length: 11) }
    static func refund() -> String { make(prefix: "RF", length: 8) }

    /// The intent reference inside a transfer's purpose text, however the bank spaced or cased it.
    static func intentReference(in purpose: String) -> String? {
        let words = purpose.uppercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        return words.first { word in word.count == 12 && word.first == "P" && word.dropFirst().allSatisfy { alphabet.contains($0) } }.map(String.init)
    }
}
