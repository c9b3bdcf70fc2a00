import Crypto
import Foundation
import Platform
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Checks a detached CMS signature over some bytes against the city's root certificates and revocation list.
public struct SignatureVerifier: Sendable {
    public let roots: [Certificate]
    /// When a certificate (by serial number, hex) was revoked, if it was. It throws when the answer is unknown (the
    /// database is down): verification then fails instead of calling a possibly revoked signature valid.
    let revokedAt: @Sendable (String) async throws -> Date?

    public init(roots: [Certificate], revokedAt: @escaping @Sendable (String) async throws -> Date? = { _ in nil }) {
        self.roots = roots
        self.revokedAt = revokedAt
    }

    /// `claimedTime` is the time the container states when the signature has no signing-time attribute (a PDF's `/M`).
    public func verify(signature der: [UInt8], content: [UInt8]?, claimedTime: Date? = nil) async throws -> SignatureReport {
        let reader: SignedDataReader
        do { reader = try SignedDataReader(der: der) } catch {
            return .malformed((error as? SignedDataReader.FormatError)?.description ?? "The signature could not be read.")
        }
        guard let content = content ?? reader.encapsulatedContent else { return .malformed("The signature is detached: upload the signed document with it.") }
        var reasons: [String] = []
        let signerCertificate = reader.certificates.first { $0.serialNumber == reader.serial && $0.issuer == reader.issuer }
        let digest = Self.digest(content, algorithm: reader.digestAlgorithm)
        let intact = digest != nil && digest == reader.messageDigest
        if digest == nil { reasons.append("The digest algorithm is not supported.") } else if !intact {
            reasons.append("The document was altered after it was signed: its digest does not match the signed one.")
        }
        var signatureValid = false
        if let signerCertificate, let signed = reader.signedAttributes,
           let algorithm = Self.signatureAlgorithm(reader.signatureAlgorithm, digest: reader.digestAlgorithm) {
            signatureValid = signerCertificate.publicKey.isValidSignature(reader.signature, for: signed, signatureAlgorithm: algorithm)
        }
        if signerCertificate == nil { reasons.append("The signer's certificate is not in the signature.") } else if !signatureValid {
            reasons.append("The signature does not verify with the signer's public key.")
        }
        let binds = signerCertificate.flatMap { certificate in
            (try? DERWriting.encode(certificate)).map { Array(SHA256.hash(data: $0)) == reader.signingCertificateHash }
        } ?? false
        if reader.signingCertificateHash != nil, !binds { reasons.append("The signed attributes name a different certificate.") }

        var chain: [String] = []
        var chainValid = false
        var revoked: Date?
        if let signerCertificate {
            let moment = reader.signingTime ?? claimedTime ?? Date()
            var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
                // Validity is judged at signing time: a signature made while the certificate was valid stays valid after
                // it expires.
                RFC5280Policy(fixedExpiryValidationTime: moment)
                DocumentSigningPolicy()
            }
            let intermediates = reader.certificates.filter { $0 != signerCertificate }
            switch await verifier.validate(leaf: signerCertificate, intermediates: CertificateStore(intermediates)) {
            case let .validCertificate(validated):
                chainValid = true
                chain = validated.map { Self.commonName($0.subject) ?? $0.subject.description }
                for certificate in validated.dropLast() {
                    if let date = try await revokedAt(Self.hex(certificate.serialNumber)) {
                        revoked = min(revoked ?? date, date)
                    }
                }
            case let .couldNotValidate(failures):
                chain = [Self.commonName(signerCertificate.subject) ?? signerCertificate.subject.description]
                let reason = failures.first.map { "\($0.policyFailureReason)" } ?? "no path to a trusted root"
                reasons.append("The certificate chain does not lead to the city's root at signing time (\(reason)).")
            }
        }
        var verdict: SignatureReport.Verdict = .valid
        if let revoked, revoked <= (reader.signingTime ?? claimedTime ?? Date()) {
            reasons.append("The signer's certificate was revoked before the document was signed.")
            verdict = .revoked
        }
        if !chainValid { verdict = .untrusted }
        if !signatureValid { verdict = .invalidSignature }
        if !intact { verdict = .altered }
        return SignatureReport(verdict: verdict, reasons: reasons, signer: signerCertificate.map(Self.summary), signingTime: reader.signingTime ?? claimedTime,
                               documentIntact: intact, signatureValid: signatureValid, chainValid: chainValid, chain: chain, revokedAt: revoked,
                               bindsSigningCertificate: binds)
    }

    static func digest(_ content: [UInt8], algorithm: ASN1ObjectIdentifier) -> [UInt8]? {
        switch algorithm {
        case OID.sha256: Array(SHA256.hash(data: content))
        case [2, 16, 840, 1, 101, 3, 4, 2, 2]: Array(SHA384.hash(data: content))
        case [2, 16, 840, 1, 101, 3, 4, 2, 3]: Array(SHA512.hash(data: content))
        default: nil
        }
    }

    /// The X.509 signature algorithm for a SignerInfo: its own OID, or (for `rsaEncryption`, which some signers
    /// write) RSA with the digest algorithm.
    static func signatureAlgorithm(_ oid: ASN1ObjectIdentifier, digest: ASN1ObjectIdentifier) -> Certificate.SignatureAlgorithm? {
        switch oid {
        case OID.ecdsaWithSHA256: .ecdsaWithSHA256
        case [1, 2, 840, 10_045, 4, 3, 3]: .ecdsaWithSHA384
        case [1, 2, 840, 10_045, 4, 3, 4]: .ecdsaWithSHA512
        case OID.sha256WithRSA: .sha256WithRSAEncryption
        case [1, 2, 840, 113_549, 1, 1, 12]: .sha384WithRSAEncryption
        case [1, 2, 840, 113_549, 1, 1, 13]: .sha512WithRSAEncryption
        case OID.rsaEncryption:
            switch digest {
            case OID.sha256: .sha256WithRSAEncryption
            case [2, 16, 840, 1, 101, 3, 4, 2, 2]: .sha384WithRSAEncryption
            case [2, 16, 840, 1, 101, 3, 4, 2, 3]: .sha512WithRSAEncryption
            default: nil
            }
        default: nil
        }
    }

    static func summary(_ certificate: Certificate) -> SignatureReport.Signer {
        SignatureReport.Signer(commonName: commonName(certificate.subject) ?? certificate.subject.description,
                               organizationalUnit: attribute(certificate.subject, .RDNAttributeType.organizationalUnitName),
                               organization: attribute(certificate.subject, .RDNAttributeType.organizationName),
                               serialNumber: hex(certificate.serialNumber), issuer: commonName(certificate.issuer) ?? certificate.issuer.description,
                               notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
    }

    static func commonName(_ name: DistinguishedName) -> String? { attribute(name, .RDNAttributeType.commonName) }

    static func attribute(_ name: DistinguishedName, _ type: ASN1ObjectIdentifier) -> String? {
        for relative in name { for attribute in relative where attribute.type == type { return String(describing: attribute.value) } }
        return nil
    }

    static func hex(_ serial: Certificate.SerialNumber) -> String {
        serial.bytes.drop { $0 == 0 }.hexString
    }
}

/// Signing certificates must allow digital signatures or non-repudiation; CA certificates may not sign documents.
struct DocumentSigningPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        guard let leaf = chain.first else { return .failsToMeetPolicy(reason: "empty chain") }
        // A CA certificate never signs documents, whatever else it says; unreadable extensions are a refusal, not a pass.
        let usage: KeyUsage?
        let constraints: BasicConstraints?
        do {
            usage = try leaf.extensions.keyUsage
            constraints = try leaf.extensions.basicConstraints
        } catch {
            return .failsToMeetPolicy(reason: "the signer's certificate has a malformed key usage or basic constraints extension")
        }
        if let constraints, case .isCertificateAuthority = constraints {
            return .failsToMeetPolicy(reason: "a CA certificate cannot sign documents")
        }
        guard let usage else { return .failsToMeetPolicy(reason: "the signer's certificate states no key usage") }
        guard usage.digitalSignature || usage.nonRepudiation else {
            return .failsToMeetPolicy(reason: "the signer's key usage allows neither digital signatures nor non-repudiation")
        }
        return .meetsPolicy
    }
}
