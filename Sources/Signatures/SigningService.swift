import Crypto
import FluentKit
import Foundation
import HTTPTypes
import Logging
import Platform
import X509

/// Signs documents with the signer's own certificate and checks signatures against the city's CA.
public struct SigningService: Sendable {
    public let authority: CertificateAuthority
    let database: PlatformDatabase
    /// How recent a sign-in must be to sign: signing is a legal act, so a session left open all day is not enough.
    public let reauthenticationWindow: TimeInterval

    public init(authority: CertificateAuthority, database: PlatformDatabase, reauthenticationWindow: TimeInterval = 300) {
        self.authority = authority
        self.database = database
        self.reauthenticationWindow = reauthenticationWindow
    }

    /// Someone who signs: an officer with their own key, or (for automatic results) a unit's seal.
    public struct Signer: Sendable {
        let holderKind: String
        let holderID: String
        let actorName: String
        let unitCode: String?

        public static func officer(_ principal: Principal) -> Signer {
            Signer(holderKind: "officer", holderID: principal.accountID, actorName: principal.displayName, unitCode: nil)
        }

        /// A unit's seal: what the platform signs with on the unit's behalf (audit checkpoints).
        public static func unit(_ code: String, name: String) -> Signer {
            Signer(holderKind: "unit", holderID: code, actorName: name, unitCode: code)
        }
    }

    /// Whether the principal proved who they are recently enough to sign.
    public func requireFreshSignIn(_ principal: Principal, at moment: Date = Date()) throws {
        guard let authTime = principal.authTime, moment.timeIntervalSince(authTime) <= reauthenticationWindow else {
            throw Problem(status: .unauthorized, type: "reauthentication-required", title: "Sign in again to sign",
                          detail: "Signing needs a sign-in within the last \(Int(reauthenticationWindow / 60)) minutes; sign in again and retry.")
        }
    }

    /// Signs the SHA-256 `digest` of a document as `signer`; the signature is an event in the log.
    func sign(digest: SHA256.Digest, document: String, as signer: Signer, at moment: Date = Date(), logger: Logger) async throws -> [UInt8] {
        guard let identity = try await authority.signingIdentity(holderKind: signer.holderKind, holderID: signer.holderID, at: moment, logger: logger) else {
            let reason = try await authority.whyCannotSign(holderKind: signer.holderKind, holderID: signer.holderID, at: moment, logger: logger)
            throw Problem(status: .forbidden, type: "cannot-sign", title: "This signer cannot sign now", detail: reason)
        }
        let signature = try DetachedSignature.sign(digest: digest, signer: identity.certificate, key: identity.key, chain: identity.chain, signingTime: moment)
        try await record(signer, certificate: identity.record, document: document, digest: digest, at: moment, logger: logger)
        return signature
    }

    /// Signs a PDF the platform wrote (it has an empty signature field) as an incremental PAdES update.
    public func signPDF(_ pdf: [UInt8], name: String, as signer: Signer, at moment: Date = Date(), logger: Logger) async throws -> [UInt8] {
        guard let identity = try await authority.signingIdentity(holderKind: signer.holderKind, holderID: signer.holderID, at: moment, logger: logger) else {
            let reason = try await authority.whyCannotSign(holderKind: signer.holderKind, holderID: signer.holderID, at: moment, logger: logger)
            throw Problem(status: .forbidden, type: "cannot-sign", title: "This signer cannot sign now", detail: reason)
        }
        let prepared = try DetachedSignature.PreparedSigner(signer: identity.certificate, key: identity.key, chain: identity.chain)
        let signed: [UInt8]
        do { signed = try PDFSignature.sign(pdf, with: prepared, name: signer.actorName, at: moment) } catch let problem as PDFSignature.Problem {
            throw Problem.unprocessable([.init(field: "document", message: problem.description)], detail: problem.description)
        }
        try await record(signer, certificate: identity.record, document: name, digest: SHA256.hash(data: pdf), at: moment, logger: logger)
        return signed
    }

    private func record(_ signer: Signer, certificate: CertificateRecord, document: String, digest: SHA256.Digest, at moment: Date, logger: Logger) async throws {
        let serial = certificate.serial
        // The certificate says for which unit the officer signed; a person may be staff of several.
        let unitCode = certificate.unitCode ?? signer.unitCode
        let digestHex = digest.hexString
        try await database.write(logger: logger) { db in
            try await EventLog.append(try DomainEvent(type: "signatures.document.signed", actorID: signer.holderID, actorName: signer.actorName,
                                                      unitCode: unitCode, subject: document,
                                                      payload: ["certificate": serial, "sha256": digestHex], occurredAt: moment), on: db)
        }
    }

    /// A detached CMS signature over `document`.
    public func signDetached(_ document: [UInt8], name: String, as signer: Signer, logger: Logger) async throws -> [UInt8] {
        try await sign(digest: SHA256.hash(data: document), document: name, as: signer, logger: logger)
    }

    public func verify(signature: [UInt8], content: [UInt8]?, logger: Logger) async throws -> SignatureReport {
        try await verifier(logger: logger).verify(signature: signature, content: content)
    }

    /// Verifies an uploaded document: against its detached signature when one comes with it, else the signature a
    /// PDF carries.
    public func verifyDocument(_ document: [UInt8], signature: [UInt8]?, logger: Logger) async throws -> SignatureReport {
        if let signature { return try await verify(signature: signature, content: document, logger: logger) }
        guard document.starts(with: Array("%PDF-".utf8)) else {
            return .malformed("No signature came with the document: upload its detached signature (.p7s) too.")
        }
        let embedded: [PDFSignature.Embedded]
        do { embedded = try PDFSignature.embedded(in: document) } catch let problem as PDFSignature.Problem { return .malformed(problem.description) }
        guard let last = embedded.last else { return .malformed("The PDF carries no signature.") }
        var report = try await verifier(logger: logger).verify(signature: last.cms, content: last.covered(in: document), claimedTime: last.claimedTime)
        if !last.coversWholeFile {
            report.documentIntact = false
            report.reasons.append("The PDF was changed after it was signed: bytes were appended after the signed revision.")
            if report.verdict == .valid { report.verdict = .altered }
        }
        return report
    }

    public func verifier(logger: Logger) async throws -> SignatureVerifier {
        let authority = self.authority
        return SignatureVerifier(roots: try await authority.roots(logger: logger)) { serial in
            try await authority.revocationDate(serial: serial, logger: logger)
        }
    }
}
