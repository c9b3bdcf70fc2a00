import Crypto
import Foundation
import SwiftASN1
import X509

/// A detached CMS SignedData (RFC 5652) over a document's bytes, as `openssl cms -verify` and pyHanko read it.
///
/// We encode SignedData ourselves rather than through swift-certificates' `@_spi(CMS)` signer because PAdES B-B
/// needs the ESS signing-certificate-v2 attribute, which that signer cannot add. The signed attributes are
/// content-type, signing-time, message-digest and signing-certificate-v2; the chain up to (not including) the root
/// travels in `certificates`.
public enum DetachedSignature {
    /// Signs `digest` (SHA-256 of the document or of a PDF's byte ranges) and returns DER ContentInfo.
    package static func sign(digest: SHA256.Digest, signer: Certificate, key: Certificate.PrivateKey, chain: [Certificate], signingTime: Date) throws -> [UInt8] {
        let issuerAndSerial = DERWriting.sequence([try DERWriting.encode(signer.issuer), try serialNumber(signer.serialNumber)])
        let certificateHash = Array(SHA256.hash(data: try DERWriting.encode(signer)))
        // ESSCertIDv2 { certHash, issuerSerial { issuer GeneralNames { [4] Name }, serial } }; hash algorithm sha256 by default.
        let issuerSerial = DERWriting.sequence([DERWriting.sequence([DERWriting.context(4, try DERWriting.encode(signer.issuer))]),
                                                try serialNumber(signer.serialNumber)])
        let signingCertificate = DERWriting.sequence([DERWriting.sequence([DERWriting.sequence([try DERWriting.octetString(certificateHash), issuerSerial])])])
        let attributes = [
            try attribute(OID.contentType, try DERWriting.oid(OID.data)),
            try attribute(OID.signingTime, try DERWriting.time(signingTime)),
            try attribute(OID.messageDigest, try DERWriting.octetString(Array(digest))),
            try attribute(OID.signingCertificateV2, signingCertificate),
        ]
        // The signature covers the attributes as a DER SET; SignerInfo carries the same content under [0] IMPLICIT.
        let signedAttributes = DERWriting.set(attributes)
        let taggedAttributes = DERWriting.context(0, DERWriting.setContent(attributes))
        let algorithm = CertificateProfile.signatureAlgorithm(for: key)
        let signature = try key.sign(bytes: signedAttributes, signatureAlgorithm: algorithm).rawRepresentation
        let signerInfo = DERWriting.sequence([
            try DERWriting.integer(1),
            issuerAndSerial,
            digestAlgorithm,
            taggedAttributes,
            try signatureAlgorithmIdentifier(algorithm),
            try DERWriting.octetString(signature),
        ])
        let certificates = try ([signer] + chain).map { try DERWriting.encode($0) }
        let signedData = DERWriting.sequence([
            try DERWriting.integer(1),
            DERWriting.set([digestAlgorithm]),
            DERWriting.sequence([try DERWriting.oid(OID.data)]),
            DERWriting.context(0, DERWriting.setContent(certificates)),
            DERWriting.set([signerInfo]),
        ])
        return DERWriting.sequence([try DERWriting.oid(OID.signedData), DERWriting.context(0, signedData)])
    }

    static let digestAlgorithm: [UInt8] = DERWriting.sequence([(try? DERWriting.oid(OID.sha256)) ?? []])

    static func signatureAlgorithmIdentifier(_ algorithm: Certificate.SignatureAlgorithm) throws -> [UInt8] {
        algorithm == .ecdsaWithSHA256
            ? DERWriting.sequence([try DERWriting.oid(OID.ecdsaWithSHA256)])
            : DERWriting.sequence([try DERWriting.oid(OID.sha256WithRSA), DERWriting.null])
    }

    static func serialNumber(_ serial: Certificate.SerialNumber) throws -> [UInt8] {
        try DERWriting.integer(unsignedBytes: serial.bytes.drop { $0 == 0 })
    }

    private static func attribute(_ type: ASN1ObjectIdentifier, _ value: [UInt8]) throws -> [UInt8] {
        DERWriting.sequence([try DERWriting.oid(type), DERWriting.set([value])])
    }
}
