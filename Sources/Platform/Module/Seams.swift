import FluentKit
import Foundation
import Logging

// The capabilities modules offer each other across the seams the city needs today. Each is a small protocol here,
// in the shared kernel, so the module that provides it and the one that asks never import each other.

/// A fee to be paid (a dossier's fee), as the asking module states it.
public struct FeeRequest: Sendable, Equatable {
    public var dossierCode: String
    public var procedureName: String
    public var amount: Int
    public var unitCode: String
    public var payerID: String?
    public var payerName: String
    public var requestedBy: String
    public var requestedByName: String

    public init(dossierCode: String, procedureName: String, amount: Int, unitCode: String, payerID: String?, payerName: String, requestedBy: String,
                requestedByName: String) {
        self.dossierCode = dossierCode
        self.procedureName = procedureName
        self.amount = amount
        self.unitCode = unitCode
        self.payerID = payerID
        self.payerName = payerName
        self.requestedBy = requestedBy
        self.requestedByName = requestedByName
    }
}

/// Issues the invoice for a fee in the asker's own transaction (provided by payments).
public protocol FeeInvoicing: Sendable {
    func requestFee(_ request: FeeRequest, on db: any Database) async throws
}

/// A fee invoice that has just been paid.
public struct SettledFee: Sendable, Equatable {
    public var dossierCode: String
    public var invoiceReference: String
    public var amount: Int

    public init(dossierCode: String, invoiceReference: String, amount: Int) {
        self.dossierCode = dossierCode
        self.invoiceReference = invoiceReference
        self.amount = amount
    }
}

/// Told, in the payment's own transaction, that a fee was paid (provided by public services, to move the dossier on).
public protocol FeeSettlement: Sendable {
    func feePaid(_ fee: SettledFee, on db: any Database) async throws
}

/// Signs a case's result document as the officer who issues it (provided by signatures).
public protocol ResultSigning: Sendable {
    /// The document signed by `officer`, or why they cannot sign it (no certificate, no fresh sign-in).
    func sign(_ document: Data, mediaType: String, subject: String, by officer: Principal) async throws -> Data
}

/// Seals a document a unit issues (a monthly report) with the unit's own certificate, issued on first need, so
/// anyone can check it on `/verify` (provided by signatures).
public protocol UnitSealing: Sendable {
    func seal(pdf: Data, unit: String, document: String, logger: Logger) async throws -> Data
}

/// The city's integrated services, by code (provided by the catalogue; payments sends webhooks only to these).
public protocol ServiceRegistry: Sendable {
    func isRegistered(_ code: String, logger: Logger) async throws -> Bool
}
