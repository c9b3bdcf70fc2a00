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

/// What a module holds about the person asking, for "download my data" and "erase my data".
public protocol PersonalDataSource: Sendable {
    /// Their own records, as they would see them.
    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable
    /// Erases or anonymises what the law lets go, in one transaction with its event, and says what was done and what
    /// was kept (and why) in words the person reads.
    func erase(accountID: String, logger: Logger) async throws -> ErasureReport
}

/// One line of an erasure answer: a translation key of the module's (its pages' i18n files) and the values its text
/// names in braces (`{count}`), so the person reads it in their language.
public struct ErasureLine: Codable, Sendable, Equatable {
    public var key: String
    public var values: [String: String]

    public init(_ key: String, _ values: [String: String] = [:]) {
        self.key = key
        self.values = values
    }

    /// The line in words, given the text its key has in the reader's language.
    public func text(from template: String) -> String {
        values.reduce(template) { text, value in text.replacingOccurrences(of: "{\(value.key)}", with: value.value) }
    }
}

public struct ErasureReport: Codable, Sendable, Equatable {
    public var erased: [ErasureLine]
    public var kept: [ErasureLine]

    public init(erased: [ErasureLine] = [], kept: [ErasureLine] = []) {
        self.erased = erased
        self.kept = kept
    }
}

/// "Download my data" gives everything: a download that quietly stopped at some count would hide records from the
/// person it is about, so sources page through all of them.
public enum PersonalDataExport {
    public static let pageSize = 1_000
    /// Beyond this a download is refused with a reason rather than cut short (no person has a million records).
    public static let maxRows = 1_000_000

    public static func all<Item: Sendable>(_ page: (Paging) async throws -> [Item]) async throws -> [Item] {
        var items: [Item] = []
        var offset = 0
        while true {
            let batch = try await page(Paging(limit: pageSize, offset: offset))
            items += batch
            guard batch.count == pageSize else { return items }
            offset += pageSize
            guard offset < maxRows else {
                throw Problem(status: .contentTooLarge, type: "personal-data-too-large", title: "Too much to download at once",
                              detail: "There are over \(maxRows) records; the city's data protection officer will send them another way.")
            }
        }
    }
}
