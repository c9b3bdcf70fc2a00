import Crypto
import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// What the bank sends when a transfer to a collection account moves: signed JSON, possibly twice, late or out of order.
public struct BankConfirmation: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// The payer's bank accepted the order; money is on its way.
        case pending
        case success
        case failed
        case error
    }

    public var transactionId: String
    public var status: Status
    public var amount: Int
    /// What the bank charged the city for the transfer (VND), if anything.
    public var fee: Int?
    /// The transfer's purpose text (VietQR tag 62.08), which carries the intent reference.
    public var purpose: String
    public var bankBin: String
    public var accountNumber: String
    public var paidAt: Date
    public var payerName: String?
    public var reason: String?
    /// The VietQR payload the payer scanned, when the bank echoes it: decoded and checked against the other fields.
    public var qrPayload: String?

    public init(transactionId: String, status: Status, amount: Int, fee: Int? = nil, purpose: String, bankBin: String, accountNumber: String,
                paidAt: Date, payerName: String? = nil, reason: String? = nil, qrPayload: String? = nil) {
        self.qrPayload = qrPayload
        self.transactionId = transactionId
        self.status = status
        self.amount = amount
        self.fee = fee
        self.purpose = purpose
        self.bankBin = bankBin
        self.accountNumber = accountNumber
        self.paidAt = paidAt
        self.payerName = payerName
        self.reason = reason
    }
}

/// The answer to the bank: what happened to its confirmation.
public struct ConfirmationOutcome: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Money credited (success) or the payment's state moved (pending, failed).
        case applied
        /// Seen before: nothing changed.
        case duplicate
        /// Arrived after a later state (a "pending" after "success"): recorded, nothing changed.
        case stale
        /// Recorded and reported to finance, never applied.
        case rejected
    }

    public var outcome: Kind
    public var reason: String?
    public var payment: String?
}

/// Verifies, matches and applies bank confirmations exactly once.
public struct BankConfirmations: Sendable {
    let payments: PaymentService
    let secret: SymmetricKey
    /// Unsigned junk is recorded for finance, but at most this often per sender: anyone can post to the endpoint, and
    /// each record is a write.
    let junkRecords = RateLimiter(perMinute: 30)

    public init(payments: PaymentService, secret: SymmetricKey) {
        self.payments = payments
        self.secret = secret
    }

    public static let signatureHeader = "X-Bank-Signature"

    public static func sign(_ body: Data, secret: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: secret).hexString
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Receives the raw body as sent; the signature covers those exact bytes.
    public func receive(body: Data, signature: String?, from sender: String = "bank", logger: Logger) async throws -> ConfirmationOutcome {
        let expected = Self.sign(body, secret: secret)
        guard let signature, TokenGenerator.constantTimeEquals(expected, signature.lowercased()) else {
            logger.warning("bank confirmation with a bad signature", metadata: ["sender": "\(sender)"])
            if junkRecords.take(sender).allowed {
                try await record(raw: body, reason: "bad-signature", logger: logger)
            }
            throw Problem(status: .unauthorized, type: "bad-signature", title: "Bad signature",
                          detail: "The \(Self.signatureHeader) header is not the HMAC-SHA256 of this body.")
        }
        let confirmation: BankConfirmation
        switch Self.parse(body) {
        case .valid(let parsed): confirmation = parsed
        case .refused(let reason, let problem):
            try await record(raw: body, reason: reason, logger: logger)
            throw problem
        }
        do {
            return try await apply(confirmation, raw: body, logger: logger)
        } catch let problem as Problem {
            throw problem
        } catch {
            // PostgreSQL: the same transaction arrived twice at once and the other copy committed first.
            let db = try payments.database.db(logger: logger)
            guard try await BankConfirmationRecord.query(on: db).filter(\.$transactionID == Self.key(confirmation)).first() != nil else { throw error }
            return try await apply(confirmation, raw: body, logger: logger)
        }
    }

    /// One stored row per (transaction, status): a pending notice and the success that follows are both kept.
    /// A signed body read and checked, or the reason it is refused (stored with the body for finance to chase).
    package enum Parsed {
        case valid(BankConfirmation)
        case refused(reason: String, problem: Problem)
    }

    /// The body's fields, checked before anything is looked up: the bank's bytes are outside input like any other.
    package static func parse(_ body: Data) -> Parsed {
        guard let confirmation = try? decoder.decode(BankConfirmation.self, from: body) else {
            return .refused(reason: "malformed", problem: Problem.malformedBody(
                "A confirmation is JSON with transactionId, status, amount, purpose, bankBin, accountNumber and paidAt."))
        }
        guard !confirmation.transactionId.isEmpty, confirmation.transactionId.count <= 64, VND.isPayable(confirmation.amount), (confirmation.fee ?? 0) >= 0, (confirmation.fee ?? 0) <= confirmation.amount
        else {
            return .refused(reason: "invalid-fields", problem: Problem.unprocessable([
                .init(field: "amount", message: "transactionId 1-64 characters, amount above zero and at most 13 digits, 0 ≤ fee ≤ amount"),
            ]))
        }
        return .valid(confirmation)
    }

    static func key(_ confirmation: BankConfirmation) -> String { "\(confirmation.transactionId):\(confirmation.status.rawValue)" }

    /// Confirmations that could not be trusted or parsed are kept too, outside any payment's transaction.
    func record(raw: Data, reason: String, logger: Logger) async throws {
        try await payments.database.write(logger: logger) { db in
            let row = BankConfirmationRecord()
            row.id = UUID()
            row.outcome = ConfirmationOutcome.Kind.rejected.rawValue
            row.reason = reason
            row.duplicates = 0
            row.receivedAt = Date()
            row.raw = String(decoding: raw.prefix(4096), as: UTF8.self)
            try await row.create(on: db)
            try await EventLog.append(DomainEvent(type: "payments.confirmation.rejected", subject: reason), on: db)
        }
    }
}

struct PaymentEvent: Codable, Sendable {
    var invoice: InvoiceView
    var payment: IntentView
}

/// A confirmation as finance reviews it.
public struct ConfirmationView: Codable, Sendable {
    public var id: UUID
    public var transactionId: String?
    public var outcome: String
    public var reason: String?
    public var unit: String?
    public var purpose: String?
    public var amount: Int?
    public var duplicates: Int
    public var receivedAt: Date
}

extension BankConfirmations {
    /// Confirmations received, newest first; `rejected` lists what finance must look into.
    public func list(outcome: String?, for principal: Principal, limit: Int, logger: Logger) async throws -> [ConfirmationView] {
        var query = BankConfirmationRecord.query(on: try payments.database.db(logger: logger))
        // Unit staff see what concerns their units; confirmations that matched nothing are finance's to chase.
        if !payments.seesEveryUnit(principal) { query = query.filter(\.$unitCode ~~ principal.grants.staffUnits) }
        if let outcome { query = query.filter(\.$outcome == outcome) }
        return try await query.sort(\.$receivedAt, .descending).limit(limit).all().map {
            ConfirmationView(id: try $0.requireID(), transactionId: $0.transactionID, outcome: $0.outcome, reason: $0.reason, unit: $0.unitCode,
                             purpose: $0.purpose, amount: $0.amount, duplicates: $0.duplicates, receivedAt: $0.receivedAt)
        }
    }
}
