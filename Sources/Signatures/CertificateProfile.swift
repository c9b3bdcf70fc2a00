import Crypto
import _CryptoExtras
import Foundation
import SwiftASN1
import X509

/// What the city's CA puts in each kind of certificate (domain note §4): CAs get BasicConstraints and
/// keyCertSign/cRLSign; signing certificates get digitalSignature + nonRepudiation (pyHanko requires the latter)
/// and no EKU, so OpenSSL's S/MIME purpose check accepts them; every certificate names where its CRL lives.
enum CertificateProfile {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case root, intermediate, signing
    }

    static func validity(_ kind: Kind) -> TimeInterval {
        switch kind {
        case .root: 20 * 365 * 86_400
        case .intermediate: 10 * 365 * 86_400
        case .signing: 2 * 365 * 86_400
        }
    }

    static func name(commonName: String, organizationalUnit: String?, organization: String, country: String = "VN") throws -> DistinguishedName {
        try DistinguishedName {
            CountryName(country)
            OrganizationName(organization)
            if let organizationalUnit { OrganizationalUnitName(organizationalUnit) }
            CommonName(commonName)
        }
    }

    static func issue(kind: Kind, subject: DistinguishedName, publicKey: Certificate.PublicKey, issuer: DistinguishedName,
                      issuerKey: Certificate.PrivateKey, issuerPublicKey: Certificate.PublicKey, crlURL: String?,
                      notBefore: Date, notAfter: Date, serial: Certificate.SerialNumber = .init()) throws -> Certificate {
        let subjectKeyID = SubjectKeyIdentifier(hash: publicKey)
        let authorityKeyID = SubjectKeyIdentifier(hash: issuerPublicKey).keyIdentifier
        let distributionPoint = try crlURL.map { try crlDistributionPoints(url: $0) }
        let extensions = try Certificate.Extensions {
            switch kind {
            case .root, .intermediate:
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: kind == .root ? nil : 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            case .signing:
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
            }
            subjectKeyID
            if kind != .root { AuthorityKeyIdentifier(keyIdentifier: authorityKeyID) }
            if let distributionPoint { distributionPoint }
        }
        return try Certificate(version: .v3, serialNumber: serial, publicKey: publicKey, notValidBefore: notBefore, notValidAfter: notAfter,
                               issuer: issuer, subject: subject, signatureAlgorithm: signatureAlgorithm(for: issuerKey), extensions: extensions,
                               issuerPrivateKey: issuerKey)
    }

    static func signatureAlgorithm(for key: Certificate.PrivateKey) -> Certificate.SignatureAlgorithm {
        key.supportedSignatureAlgorithms.contains(.ecdsaWithSHA256) ? .ecdsaWithSHA256 : .sha256WithRSAEncryption
    }

    /// CRLDistributionPoints: SEQUENCE OF DistributionPoint { [0] { [0] fullName { [6] URI } } }.
    private static func crlDistributionPoints(url: String) throws -> Certificate.Extension {
        let uri = DERWriting.node(0x86, Array(url.utf8))
        let point = DERWriting.sequence([DERWriting.context(0, DERWriting.context(0, uri))])
        return Certificate.Extension(oid: OID.crlDistributionPoints, critical: false, value: DERWriting.sequence([point])[...])
    }
}

/// A private key the CA keeps: its algorithm and PKCS#8 DER, so it can be sealed with the master key.
public enum KeyAlgorithm: String, Codable, Sendable, CaseIterable {
    case p256 = "ecdsa-p256"
    case rsa2048 = "rsa-2048"
    case rsa3072 = "rsa-3072"

    func generate() throws -> (key: Certificate.PrivateKey, pkcs8: [UInt8]) {
        switch self {
        case .p256:
            let key = P256.Signing.PrivateKey()
            return (Certificate.PrivateKey(key), Array(key.derRepresentation))
        case .rsa2048, .rsa3072:
            let key = try _RSA.Signing.PrivateKey(keySize: self == .rsa2048 ? .bits2048 : .bits3072)
            return (Certificate.PrivateKey(key), Array(key.pkcs8DERRepresentation))
        }
    }

    func load(pkcs8: [UInt8]) throws -> Certificate.PrivateKey {
        switch self {
        case .p256: Certificate.PrivateKey(try P256.Signing.PrivateKey(derRepresentation: pkcs8))
        case .rsa2048, .rsa3072: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(derRepresentation: pkcs8))
        }
    }
}
