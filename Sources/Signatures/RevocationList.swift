import Foundation
import SwiftASN1
import X509

/// A DER X.509 v2 CRL (RFC 5280 §5) for one issuing CA: swift-certificates has no CRL type, so we encode
/// TBSCertList here and sign it with the issuer's key.
enum RevocationList {
    struct Entry: Sendable {
        var serial: Certificate.SerialNumber
        var revokedAt: Date
        /// RFC 5280 CRLReason: 0 unspecified, 1 keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation.
        var reason: Int
    }

    static func make(issuer: Certificate, issuerKey: Certificate.PrivateKey, entries: [Entry], number: Int, thisUpdate: Date,
                     nextUpdate: Date) throws -> [UInt8] {
        let algorithm = CertificateProfile.signatureAlgorithm(for: issuerKey)
        let algorithmIdentifier = try DetachedSignature.signatureAlgorithmIdentifier(algorithm)
        var fields: [[UInt8]] = [
            try DERWriting.integer(1),
            algorithmIdentifier,
            try DERWriting.encode(issuer.subject),
            try DERWriting.time(thisUpdate),
            try DERWriting.time(nextUpdate),
        ]
        if !entries.isEmpty {
            fields.append(DERWriting.sequence(try entries.map { entry in
                var entryFields = [try DetachedSignature.serialNumber(entry.serial), try DERWriting.time(entry.revokedAt)]
                if entry.reason != 0 {
                    let reason = DERWriting.node(0x0A, [UInt8(entry.reason)])
                    entryFields.append(DERWriting.sequence([try DERWriting.extension(OID.reasonCode, value: reason)]))
                }
                return DERWriting.sequence(entryFields)
            }))
        }
        let keyIdentifier = SubjectKeyIdentifier(hash: issuer.publicKey).keyIdentifier
        let authorityKeyIdentifier = DERWriting.sequence([DERWriting.node(0x80, Array(keyIdentifier))])
        fields.append(DERWriting.context(0, DERWriting.sequence([
            try DERWriting.extension(OID.authorityKeyIdentifier, value: authorityKeyIdentifier),
            try DERWriting.extension(OID.cRLNumber, value: try DERWriting.integer(number)),
        ])))
        let tbs = DERWriting.sequence(fields)
        let signature = try issuerKey.sign(bytes: tbs, signatureAlgorithm: algorithm).rawRepresentation
        return DERWriting.sequence([tbs, algorithmIdentifier, try DERWriting.bitString(signature)])
    }
}
