import Foundation

/// What anyone checking a signed document wants to know: who signed, when, whether the chain leads to the city's
/// root, whether the certificate was revoked at signing time, and whether the document changed after signing.
public struct SignatureReport: Codable, Sendable, Equatable {
    public enum Verdict: String, Codable, Sendable {
        /// Intact, correctly signed, trusted chain, not revoked at signing time.
        case valid
        /// The bytes are not the ones that were signed.
        case altered
        /// The signature does not verify with the signer's key, or the signer's certificate is missing.
        case invalidSignature = "invalid-signature"
        /// The chain does not lead to the city's root, or a certificate was not valid at signing time.
        case untrusted
        /// The certificate had been revoked when the document was signed.
        case revoked
        /// The signature (or the PDF around it) could not be read.
        case malformed
    }

    public struct Signer: Codable, Sendable, Equatable {
        public var commonName: String
        public var organizationalUnit: String?
        public var organization: String?
        public var serialNumber: String
        public var issuer: String
        public var notBefore: Date
        public var notAfter: Date
    }

    public var verdict: Verdict
    /// Plain sentences, one per problem found (empty when valid).
    public var reasons: [String]
    public var signer: Signer?
    public var signingTime: Date?
    public var documentIntact: Bool
    public var signatureValid: Bool
    public var chainValid: Bool
    /// Subjects from the signer up to the root.
    public var chain: [String]
    public var revokedAt: Date?
    /// Whether the signed attributes bind the signer's certificate (ESS signing-certificate-v2, as PAdES B-B needs).
    public var bindsSigningCertificate: Bool

    static func malformed(_ reason: String) -> SignatureReport {
        SignatureReport(verdict: .malformed, reasons: [reason], signer: nil, signingTime: nil, documentIntact: false, signatureValid: false,
                        chainValid: false, chain: [], revokedAt: nil, bindsSigningCertificate: false)
    }
}
