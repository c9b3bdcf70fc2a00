import Foundation
import Logging

/// One field of personal data a module keeps (Law 91/2025/QH15 on Personal Data Protection): where it is, what kind
/// (sensitive data has stricter rules), why it is kept, on what lawful basis and for how long. The platform's register
/// is every module's declarations together; impact assessments and breach answers start from it.
public struct PersonalDataField: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case basic, sensitive }
    /// Why the platform may keep it without (or beyond) consent.
    public enum Basis: String, Sendable, Codable {
        case consent
        /// A public duty under law: a dossier a procedure needs, a report the city must handle.
        case publicDuty = "public-duty"
        /// A record a law requires to keep (archives, accounting).
        case legalObligation = "legal-obligation"
        /// What the person asked for and the service cannot run without (their sign-in).
        case service
    }

    public var table: String
    public var columns: [String]
    public var kind: Kind
    /// What it is: name, contact, identity-number, location, photo, financial, credential, device…
    public var category: String
    public var purpose: String
    public var basis: Basis
    public var retention: String

    public init(table: String, columns: [String], kind: Kind = .basic, category: String, purpose: String, basis: Basis, retention: String) {
        self.table = table
        self.columns = columns
        self.kind = kind
        self.category = category
        self.purpose = purpose
        self.basis = basis
        self.retention = retention
    }
}

/// What a module holds about the person asking, for "download my data": their own records, as they would see them.
public protocol PersonalDataSource: Sendable {
    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable
}
