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
        try PreparedSigner(signer: signer, key: key, chain: chain).sign(digest: digest, signingTime: signingTime)
    }

    /// Everything about one signer that does not change between signatures, encoded once: the certificates, the
    /// signer's identifier and the signing-certificate-v2 attribute. Signing then encodes only the time and digest.
    package struct PreparedSigner: Sendable {
        let key: Certificate.PrivateKey
        let algorithm: Certificate.SignatureAlgorithm
        let issuerAndSerial: [UInt8]
        let signingCertificateAttribute: [UInt8]
        let contentTypeAttribute: [UInt8]
        let algorithmIdentifier: [UInt8]
        let certificates: [UInt8]
        /// Fixed structures, encoded here (once per signer) so an encoding failure is thrown, never empty bytes.
        let dataContentInfo: [UInt8]
        let signedDataType: [UInt8]
        let digestAlgorithm: [UInt8]

        package init(signer: Certificate, key: Certificate.PrivateKey, chain: [Certificate]) throws {
            self.key = key
            dataContentInfo = DERWriting.sequence([try DERWriting.oid(OID.data)])
            signedDataType = try DERWriting.oid(OID.signedData)
            digestAlgorithm = DERWriting.sequence([try DERWriting.oid(OID.sha256)])
            algorithm = CertificateProfile.signatureAlgorithm(for: key)
            let serial = try serialNumber(signer.serialNumber)
            let issuer = try DERWriting.encode(signer.issuer)
            issuerAndSerial = DERWriting.sequence([issuer, serial])
            let signerDER = try DERWriting.encode(signer)
            // ESSCertIDv2 { certHash, issuerSerial { issuer GeneralNames { [4] Name }, serial } }; the hash algorithm is
            // sha256 by default, so it is left out.
            let issuerSerial = DERWriting.sequence([DERWriting.sequence([DERWriting.context(4, issuer)]), serial])
            let certID = DERWriting.sequence([try DERWriting.octetString(Array(SHA256.hash(data: signerDER))), issuerSerial])
            signingCertificateAttribute = try attribute(OID.signingCertificateV2, DERWriting.sequence([DERWriting.sequence([certID])]))
            contentTypeAttribute = try attribute(OID.contentType, try DERWriting.oid(OID.data))
            algorithmIdentifier = try signatureAlgorithmIdentifier(algorithm)
            certificates = DERWriting.context(0, DERWriting.setContent([signerDER] + (try chain.map { try DERWriting.encode($0) })))
        }

        /// `signingTime` nil leaves the attribute out, as PAdES requires (the PDF's `/M` carries the time).
        package func sign(digest: SHA256.Digest, signingTime: Date?) throws -> [UInt8] {
            var attributes = [contentTypeAttribute, try attribute(OID.messageDigest, try DERWriting.octetString(Array(digest))), signingCertificateAttribute]
            if let signingTime { attributes.append(try attribute(OID.signingTime, try DERWriting.time(signingTime))) }
            // The signature covers the attributes as a DER SET; SignerInfo carries the same content under [0] IMPLICIT.
            let content = DERWriting.setContent(attributes)
            let signature = try key.sign(bytes: DERWriting.node(0x31, content), signatureAlgorithm: algorithm).rawRepresentation
            let signerInfo = DERWriting.sequence([
                version,
                issuerAndSerial,
                digestAlgorithm,
                DERWriting.context(0, content),
                algorithmIdentifier,
                try DERWriting.octetString(signature),
            ])
            let signedData = DERWriting.sequence([version, DERWriting.set([digestAlgorithm]), dataContentInfo, certificates, DERWriting.set([signerInfo])])
            return DERWriting.sequence([signedDataType, DERWriting.context(0, signedData)])
        }
    }

    static let version: [UInt8] = [0x02, 0x01, 0x01]

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
