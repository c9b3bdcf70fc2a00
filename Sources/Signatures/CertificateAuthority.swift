import Crypto
import FluentKit
import Foundation
import HTTPTypes
import Logging
import Platform
import SwiftASN1
import X509

/// Who a signing certificate belongs to: an officer (signs with their own key) or a unit (its seal).
public enum CertificateHolder: Sendable, Equatable {
    case officer(accountID: String, name: String, unitCode: String)
    case unit(code: String)
}

/// A certificate as the admin console and the API show it.
public struct IssuedCertificate: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case valid, revoked, expired, notYetValid = "not-yet-valid" }

    public var serial: String
    public var kind: String
    public var holderKind: String
    public var holderID: String
    public var commonName: String
    public var unitCode: String?
    public var algorithm: String
    public var notBefore: Date
    public var notAfter: Date
    public var revokedAt: Date?
    public var revocationReason: Int?
    public var replacedBy: String?
    public var status: Status
    public var pem: String
}

/// The city's internal certificate authority: one root, an intermediate per issuing authority, and signing
/// certificates for officers and units. Private keys are sealed with the master key; every issue and revocation is
/// an event in the log.
public struct CertificateAuthority: Sendable {
    /// Refusals are problems: the API answers them as they are and the CLI prints their detail.
    static func refusal(_ detail: String, _ status: HTTPResponse.Status = .unprocessableContent) -> Problem {
        Problem(status: status, type: "certificate-authority", title: "The CA cannot do this", detail: detail)
    }

    let database: PlatformDatabase
    let secrets: SecretBox
    let profile: CityProfile
    let publicBaseURL: String
    /// Code of the issuing authority that signs officers' and units' certificates by default.
    public static let defaultAuthority = "hue"

    public init(database: PlatformDatabase, secrets: SecretBox, profile: CityProfile, publicBaseURL: String) {
        self.database = database
        self.secrets = secrets
        self.profile = profile
        self.publicBaseURL = publicBaseURL
    }

    func crlURL(authority: String) -> String { "\(publicBaseURL)/ca/\(authority).crl" }

    // MARK: Setting up

    /// Creates the root and the default issuing authority if they do not exist yet; returns the root's serial.
    @discardableResult
    public func initialize(algorithm: KeyAlgorithm = .p256, actorName: String, logger: Logger) async throws -> String {
        let db = try database.db(logger: logger)
        let root: CertificateRecord
        if let existing = try await authorityRecord("root", on: db) {
            root = existing
        } else {
            let name = try CertificateProfile.name(commonName: "\(profile.city.name) Root CA", organizationalUnit: "HueS", organization: profile.city.name)
            let (key, pkcs8) = try algorithm.generate()
            let now = Date()
            let certificate = try CertificateProfile.issue(kind: .root, subject: name, publicKey: key.publicKey, issuer: name, issuerKey: key,
                                                           issuerPublicKey: key.publicKey, crlURL: nil, notBefore: now.addingTimeInterval(-300),
                                                           notAfter: now.addingTimeInterval(CertificateProfile.validity(.root)))
            root = try await store(certificate, kind: .root, holderKind: "authority", holderID: "root", unitCode: nil, issuerID: nil,
                                   algorithm: algorithm, pkcs8: pkcs8, actorName: actorName, logger: logger)
        }
        if try await authorityRecord(Self.defaultAuthority, on: db) == nil {
            _ = try await addAuthority(code: Self.defaultAuthority, name: "\(profile.city.name) Issuing CA", algorithm: algorithm, actorName: actorName,
                                       logger: logger)
        }
        return root.serial
    }

    /// An issuing authority (intermediate CA) under the root.
    public func addAuthority(code: String, name: String, algorithm: KeyAlgorithm = .p256, actorName: String, logger: Logger) async throws -> IssuedCertificate {
        guard code.range(of: "^[a-z0-9-]{2,40}$", options: .regularExpression) != nil, code != "root" else {
            throw Self.refusal("An authority code is 2–40 lowercase letters, digits or dashes, and not 'root'.")
        }
        let db = try database.db(logger: logger)
        guard try await authorityRecord(code, on: db) == nil else { throw Self.refusal("The authority '\(code)' already exists.", .conflict) }
        guard let root = try await authorityRecord("root", on: db) else { throw Self.refusal("The CA has no root yet: run `hues ca init`.", .conflict) }
        let (rootCertificate, rootKey) = try open(root)
        let (key, pkcs8) = try algorithm.generate()
        let now = Date()
        let certificate = try CertificateProfile.issue(
            kind: .intermediate, subject: try CertificateProfile.name(commonName: name, organizationalUnit: "HueS", organization: profile.city.name),
            publicKey: key.publicKey, issuer: rootCertificate.subject, issuerKey: rootKey, issuerPublicKey: rootCertificate.publicKey,
            crlURL: crlURL(authority: "root"), notBefore: now.addingTimeInterval(-300),
            notAfter: min(rootCertificate.notValidAfter, now.addingTimeInterval(CertificateProfile.validity(.intermediate))))
        let record = try await store(certificate, kind: .intermediate, holderKind: "authority", holderID: code, unitCode: nil, issuerID: root.id,
                                     algorithm: algorithm, pkcs8: pkcs8, actorName: actorName, logger: logger)
        return try view(record)
    }

    // MARK: Issuing, renewing, revoking

    public func issue(to holder: CertificateHolder, algorithm: KeyAlgorithm = .p256, validDays: Int? = nil, authority: String = defaultAuthority,
                      actorName: String, logger: Logger) async throws -> IssuedCertificate {
        if let validDays, !(1...3650).contains(validDays) { throw Self.refusal("Validity is 1 to 3650 days.") }
        let db = try database.db(logger: logger)
        guard let issuerRecord = try await authorityRecord(authority, on: db) else {
            throw Self.refusal("There is no issuing authority '\(authority)': run `hues ca init` first.", .notFound)
        }
        let (issuerCertificate, issuerKey) = try open(issuerRecord)
        let (commonName, unitCode, holderKind, holderID) = try describe(holder)
        guard let unit = profile.units.first(where: { $0.code == unitCode }) else { throw Self.refusal("Unknown unit '\(unitCode)'.") }
        let (key, pkcs8) = try algorithm.generate()
        let now = Date()
        let lifetime = validDays.map { Double($0) * 86_400 } ?? CertificateProfile.validity(.signing)
        let certificate = try CertificateProfile.issue(
            kind: .signing, subject: try CertificateProfile.name(commonName: commonName, organizationalUnit: unit.name, organization: profile.city.name),
            publicKey: key.publicKey, issuer: issuerCertificate.subject, issuerKey: issuerKey, issuerPublicKey: issuerCertificate.publicKey,
            crlURL: crlURL(authority: authority), notBefore: now.addingTimeInterval(-60),
            notAfter: min(issuerCertificate.notValidAfter, now.addingTimeInterval(lifetime)))
        let record = try await store(certificate, kind: .signing, holderKind: holderKind, holderID: holderID, unitCode: unitCode, issuerID: issuerRecord.id,
                                     algorithm: algorithm, pkcs8: pkcs8, actorName: actorName, logger: logger)
        return try view(record)
    }

    /// A new certificate for the same holder, key and authority kind; the old one is revoked as superseded, which
    /// leaves signatures it made before now valid.
    public func renew(serial: String, actorName: String, logger: Logger) async throws -> IssuedCertificate {
        let db = try database.db(logger: logger)
        guard let old = try await record(serial: serial, on: db), old.kind == CertificateProfile.Kind.signing.rawValue else {
            throw Self.refusal("There is no signing certificate with serial \(serial).", .notFound)
        }
        guard old.revokedAt == nil else { throw Self.refusal("A revoked certificate cannot be renewed; issue a new one.", .conflict) }
        var authority = Self.defaultAuthority
        if let issuerID = old.issuerID {
            // The same authority as before, or nothing: a renewal is never quietly moved to another authority.
            guard let issuer = try await CertificateRecord.find(issuerID, on: db) else {
                throw StoredData.damaged(table: CertificateRecord.schema, column: "issuer_id", row: old.id?.uuidString ?? "(no id)",
                                         detail: "certificate \(serial) names issuer \(issuerID), which does not exist", logger: logger)
            }
            authority = issuer.holderID
        }
        let holder: CertificateHolder = old.holderKind == "unit"
            ? .unit(code: old.holderID) : .officer(accountID: old.holderID, name: old.commonName, unitCode: old.unitCode ?? "")
        let algorithm = try StoredData.value(KeyAlgorithm.self, from: old.algorithm, table: CertificateRecord.schema, column: "algorithm",
                                             row: old.id?.uuidString ?? "(no id)", logger: logger)
        let renewed = try await issue(to: holder, algorithm: algorithm, authority: authority, actorName: actorName, logger: logger)
        _ = try await revoke(serial: serial, reason: .superseded, replacedBy: renewed.serial, actorName: actorName, logger: logger)
        return renewed
    }

    public enum RevocationReason: Int, Codable, Sendable, CaseIterable {
        case unspecified = 0, keyCompromise = 1, affiliationChanged = 3, superseded = 4, cessationOfOperation = 5

        public init?(name: String) {
            switch name {
            case "unspecified": self = .unspecified
            case "key-compromise", "keyCompromise": self = .keyCompromise
            case "affiliation-changed", "affiliationChanged": self = .affiliationChanged
            case "superseded": self = .superseded
            case "cessation-of-operation", "cessationOfOperation": self = .cessationOfOperation
            default: return nil
            }
        }
    }

    public func revoke(serial: String, reason: RevocationReason, replacedBy: String? = nil, actorName: String, logger: Logger) async throws -> IssuedCertificate {
        let normalized = serial.lowercased()
        let updated = try await database.write(logger: logger) { db -> CertificateRecord in
            guard let record = try await CertificateRecord.query(on: db).filter(\.$serial == normalized).first() else {
                throw Self.refusal("There is no certificate with serial \(serial).", .notFound)
            }
            guard record.holderID != "root" else { throw Self.refusal("The root cannot be revoked; replace the whole CA instead.", .conflict) }
            guard record.revokedAt == nil else { throw Self.refusal("The certificate \(serial) was already revoked.", .conflict) }
            record.revokedAt = Date()
            record.revocationReason = reason.rawValue
            if let replacedBy, let replacement = try await CertificateRecord.query(on: db).filter(\.$serial == replacedBy).first() {
                record.replacedBy = replacement.id
            }
            try await record.save(on: db)
            try await EventLog.append(try DomainEvent(type: "signatures.certificate.revoked", actorName: actorName, unitCode: record.unitCode,
                                                      subject: "certificate:\(record.serial)", payload: ["reason": String(reason.rawValue)]), on: db)
            return record
        }
        return try view(updated)
    }

    // MARK: Reading

    public func list(holderKind: String? = nil, holderID: String? = nil, unit: String? = nil, logger: Logger) async throws -> [IssuedCertificate] {
        var query = CertificateRecord.query(on: try database.db(logger: logger))
        if let holderKind { query = query.filter(\.$holderKind == holderKind) }
        if let holderID { query = query.filter(\.$holderID == holderID) }
        if let unit { query = query.filter(\.$unitCode == unit) }
        return try await query.sort(\.$createdAt, .descending).range(0..<500).all().map(view)
    }

    public func certificate(serial: String, logger: Logger) async throws -> IssuedCertificate? {
        try await record(serial: serial.lowercased(), on: try database.db(logger: logger)).map(view)
    }

    /// The root(s) verification trusts.
    public func roots(logger: Logger) async throws -> [Certificate] {
        try await CertificateRecord.query(on: try database.db(logger: logger)).filter(\.$kind == CertificateProfile.Kind.root.rawValue).all()
            .map { try Certificate(derEncoded: Array($0.der)) }
    }

    /// An authority's certificate (`root` or an issuing authority's code), DER.
    public func authorityCertificate(_ code: String, logger: Logger) async throws -> [UInt8]? {
        try await authorityRecord(code, on: try database.db(logger: logger)).map { Array($0.der) }
    }

    /// The authority's current CRL, DER, signed now and valid for a week.
    public func revocationList(authority code: String, logger: Logger) async throws -> [UInt8]? {
        let db = try database.db(logger: logger)
        guard let authority = try await authorityRecord(code, on: db) else { return nil }
        let authorityID = try authority.requireID()
        let (certificate, key) = try open(authority)
        let revoked = try await CertificateRecord.query(on: db).filter(\.$issuerID == authorityID).filter(\.$revokedAt != nil).sort(\.$revokedAt).all()
        // Every revoked certificate must be listed: one left out would look valid to relying parties. A serial that does
        // not read is logged and fails the request, so no incomplete CRL is ever signed or published.
        let entries = try revoked.map { record -> RevocationList.Entry in
            guard let revokedAt = record.revokedAt, let serial = Self.serialNumber(hex: record.serial) else {
                throw StoredData.damaged(table: CertificateRecord.schema, column: "serial", row: record.id?.uuidString ?? "(no id)",
                                         detail: "revoked certificate '\(record.serial)' of authority '\(code)' cannot be listed in the CRL", logger: logger)
            }
            return RevocationList.Entry(serial: serial, revokedAt: revokedAt, reason: record.revocationReason ?? 0)
        }
        let now = Date()
        return try RevocationList.make(issuer: certificate, issuerKey: key, entries: entries, number: Int(now.timeIntervalSince1970), thisUpdate: now,
                                       nextUpdate: now.addingTimeInterval(7 * 86_400))
    }

    public func revocationDate(serial: String, logger: Logger) async throws -> Date? {
        try await record(serial: serial, on: try database.db(logger: logger))?.revokedAt
    }

    /// The holder's newest certificate that is valid now, with its key and the chain above it (root excluded).
    func signingIdentity(holderKind: String, holderID: String, at moment: Date, logger: Logger) async throws
        -> (record: CertificateRecord, certificate: Certificate, key: Certificate.PrivateKey, chain: [Certificate])? {
        try await signingIdentityRecord(holderKind: holderKind, holderID: holderID, at: moment, logger: logger)
    }

    /// The same for benchmarks in this package, without the database record.
    package func signingKey(officer accountID: String, logger: Logger) async throws -> (certificate: Certificate, key: Certificate.PrivateKey, chain: [Certificate])? {
        try await signingIdentityRecord(holderKind: "officer", holderID: accountID, at: Date(), logger: logger).map { ($0.certificate, $0.key, $0.chain) }
    }

    private func signingIdentityRecord(holderKind: String, holderID: String, at moment: Date, logger: Logger) async throws
        -> (record: CertificateRecord, certificate: Certificate, key: Certificate.PrivateKey, chain: [Certificate])? {
        let db = try database.db(logger: logger)
        let candidates = try await CertificateRecord.query(on: db).filter(\.$holderKind == holderKind).filter(\.$holderID == holderID)
            .filter(\.$kind == CertificateProfile.Kind.signing.rawValue).sort(\.$createdAt, .descending).all()
        guard let record = candidates.first(where: { $0.revokedAt == nil && $0.notBefore <= moment && moment < $0.notAfter }) else { return nil }
        let (certificate, key) = try open(record)
        var chain: [Certificate] = []
        var issuerID = record.issuerID
        while let id = issuerID, let issuer = try await CertificateRecord.find(id, on: db), issuer.kind != CertificateProfile.Kind.root.rawValue {
            chain.append(try Certificate(derEncoded: Array(issuer.der)))
            issuerID = issuer.issuerID
        }
        return (record, certificate, key, chain)
    }

    /// Why a holder cannot sign now, in words: no certificate, revoked, expired or not yet valid.
    func whyCannotSign(holderKind: String, holderID: String, at moment: Date, logger: Logger) async throws -> String {
        let newest = try await CertificateRecord.query(on: try database.db(logger: logger)).filter(\.$holderKind == holderKind)
            .filter(\.$holderID == holderID).filter(\.$kind == CertificateProfile.Kind.signing.rawValue).sort(\.$createdAt, .descending).first()
        guard let newest else { return "You have no signing certificate; ask the CA administrator to issue one." }
        if newest.revokedAt != nil { return "Your signing certificate \(newest.serial) was revoked; ask for a new one." }
        if moment >= newest.notAfter { return "Your signing certificate \(newest.serial) expired on \(ISO8601DateFormatter().string(from: newest.notAfter))." }
        if moment < newest.notBefore { return "Your signing certificate \(newest.serial) is not valid until \(ISO8601DateFormatter().string(from: newest.notBefore))." }
        return "No valid signing certificate."
    }

    // MARK: Internals

    private func describe(_ holder: CertificateHolder) throws -> (commonName: String, unitCode: String, holderKind: String, holderID: String) {
        switch holder {
        case let .officer(accountID, name, unitCode):
            guard !name.isEmpty, !unitCode.isEmpty else { throw Self.refusal("An officer's certificate needs their name and unit.") }
            return (name, unitCode, "officer", accountID)
        case let .unit(code):
            guard let unit = profile.units.first(where: { $0.code == code }) else { throw Self.refusal("Unknown unit '\(code)'.") }
            return (unit.name, code, "unit", code)
        }
    }

    private func store(_ certificate: Certificate, kind: CertificateProfile.Kind, holderKind: String, holderID: String, unitCode: String?, issuerID: UUID?,
                       algorithm: KeyAlgorithm, pkcs8: [UInt8], actorName: String, logger: Logger) async throws -> CertificateRecord {
        let record = CertificateRecord()
        record.serial = SignatureVerifier.hex(certificate.serialNumber)
        record.kind = kind.rawValue
        record.holderKind = holderKind
        record.holderID = holderID
        record.commonName = SignatureVerifier.commonName(certificate.subject) ?? holderID
        record.unitCode = unitCode
        record.issuerID = issuerID
        record.algorithm = algorithm.rawValue
        record.der = Data(try DERWriting.encode(certificate))
        record.sealedKey = try secrets.seal(Data(pkcs8), purpose: "ca-key:\(record.serial)")
        record.notBefore = certificate.notValidBefore
        record.notAfter = certificate.notValidAfter
        record.createdAt = Date()
        return try await database.write(logger: logger) { db in
            try await record.save(on: db)
            try await EventLog.append(try DomainEvent(type: "signatures.certificate.issued", actorName: actorName, unitCode: unitCode,
                                                      subject: "certificate:\(record.serial)",
                                                      payload: ["kind": kind.rawValue, "holder": "\(holderKind):\(holderID)", "algorithm": algorithm.rawValue]),
                                      on: db)
            return record
        }
    }

    func open(_ record: CertificateRecord) throws -> (Certificate, Certificate.PrivateKey) {
        guard let algorithm = KeyAlgorithm(rawValue: record.algorithm) else { throw Self.refusal("Unknown key algorithm \(record.algorithm).") }
        let pkcs8 = try secrets.open(record.sealedKey, purpose: "ca-key:\(record.serial)")
        return (try Certificate(derEncoded: Array(record.der)), try algorithm.load(pkcs8: Array(pkcs8)))
    }

    private func authorityRecord(_ code: String, on db: any Database) async throws -> CertificateRecord? {
        try await CertificateRecord.query(on: db).filter(\.$holderKind == "authority").filter(\.$holderID == code).sort(\.$createdAt, .descending).first()
    }

    func record(serial: String, on db: any Database) async throws -> CertificateRecord? {
        try await CertificateRecord.query(on: db).filter(\.$serial == serial.lowercased()).first()
    }

    func view(_ record: CertificateRecord) throws -> IssuedCertificate {
        let now = Date()
        let status: IssuedCertificate.Status = record.revokedAt != nil ? .revoked : now >= record.notAfter ? .expired : now < record.notBefore ? .notYetValid : .valid
        let certificate = try Certificate(derEncoded: Array(record.der))
        return IssuedCertificate(serial: record.serial, kind: record.kind, holderKind: record.holderKind, holderID: record.holderID,
                                 commonName: record.commonName, unitCode: record.unitCode, algorithm: record.algorithm,
                                 notBefore: record.notBefore, notAfter: record.notAfter, revokedAt: record.revokedAt,
                                 revocationReason: record.revocationReason, replacedBy: record.replacedBy?.uuidString, status: status,
                                 pem: try certificate.serializeAsPEM().pemString)
    }

    public static func pem(der: [UInt8]) throws -> String {
        try Certificate(derEncoded: der).serializeAsPEM().pemString
    }

    static func serialNumber(hex: String) -> Certificate.SerialNumber? {
        var bytes: [UInt8] = []
        var characters = Array(hex.count % 2 == 1 ? "0" + hex : hex)
        while characters.count >= 2 {
            guard let byte = UInt8(String(characters[0...1]), radix: 16) else { return nil }
            bytes.append(byte)
            characters.removeFirst(2)
        }
        if let first = bytes.first, first & 0x80 != 0 { bytes.insert(0, at: 0) }
        return bytes.isEmpty ? nil : Certificate.SerialNumber(bytes: bytes)
    }
}
