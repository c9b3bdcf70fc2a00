import Crypto
import Foundation
import SwiftASN1
import X509

/// The parts of a CMS SignedData that verification needs, read from DER without trusting any of it.
struct SignedDataReader {
    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    var certificates: [Certificate] = []
    var issuer: DistinguishedName?
    var serial: Certificate.SerialNumber?
    var digestAlgorithm: ASN1ObjectIdentifier = OID.sha256
    var signatureAlgorithm: ASN1ObjectIdentifier = OID.ecdsaWithSHA256
    var signature: [UInt8] = []
    /// The signed attributes re-tagged as a SET: the bytes the signature covers.
    var signedAttributes: [UInt8]?
    var messageDigest: [UInt8]?
    var signingTime: Date?
    var signingCertificateHash: [UInt8]?
    /// An attached signature's content, when the structure carries one.
    var encapsulatedContent: [UInt8]?

    init(der: [UInt8]) throws {
        let root: ASN1Node
        do { root = try DER.parse(der) } catch { throw FormatError(description: "The signature is not DER-encoded ASN.1.") }
        let top = try Self.children(root, "ContentInfo")
        guard top.count == 2, (try? ASN1ObjectIdentifier(derEncoded: top[0])) == OID.signedData else {
            throw FormatError(description: "The file is not a CMS SignedData structure.")
        }
        guard let signedData = try Self.children(top[1], "content").first else { throw FormatError(description: "SignedData is empty.") }
        var fields = try Self.children(signedData, "SignedData")[...]
        guard fields.count >= 4 else { throw FormatError(description: "SignedData is missing fields.") }
        fields.removeFirst(2)  // version, digestAlgorithms
        let encapsulated = try Self.children(fields.removeFirst(), "EncapsulatedContentInfo")
        if encapsulated.count == 2, let content = try Self.children(encapsulated[1], "eContent").first, case let .primitive(bytes) = content.content {
            encapsulatedContent = Array(bytes)
        }
        while let node = fields.first, node.identifier.tagClass == .contextSpecific {
            fields.removeFirst()
            if node.identifier.tagNumber == 0 {
                certificates = try Self.children(node, "certificates").compactMap { try? Certificate(derEncoded: $0) }
            }
        }
        guard let signerInfos = fields.first, let signerInfo = try Self.children(signerInfos, "SignerInfos").first else {
            throw FormatError(description: "SignedData has no signer.")
        }
        try readSigner(signerInfo)
    }

    private mutating func readSigner(_ node: ASN1Node) throws {
        var fields = try Self.children(node, "SignerInfo")[...]
        guard fields.count >= 5 else { throw FormatError(description: "SignerInfo is missing fields.") }
        fields.removeFirst()  // version
        let identifier = fields.removeFirst()
        if identifier.identifier == .sequence {
            let parts = try Self.children(identifier, "IssuerAndSerialNumber")
            guard parts.count == 2 else { throw FormatError(description: "IssuerAndSerialNumber is malformed.") }
            issuer = try DistinguishedName(derEncoded: parts[0])
            guard case let .primitive(serialBytes) = parts[1].content else { throw FormatError(description: "The signer's serial number is malformed.") }
            serial = Certificate.SerialNumber(bytes: serialBytes)
        }
        digestAlgorithm = try Self.algorithm(fields.removeFirst())
        if let attributes = fields.first, attributes.identifier.tagClass == .contextSpecific, attributes.identifier.tagNumber == 0 {
            fields.removeFirst()
            var bytes = Array(attributes.encodedBytes)
            bytes[0] = 0x31
            signedAttributes = bytes
            try readAttributes(attributes)
        }
        guard fields.count >= 2 else { throw FormatError(description: "SignerInfo has no signature.") }
        signatureAlgorithm = try Self.algorithm(fields.removeFirst())
        guard case let .primitive(signatureBytes) = fields.removeFirst().content else { throw FormatError(description: "The signature value is malformed.") }
        signature = Array(signatureBytes)
    }

    private mutating func readAttributes(_ node: ASN1Node) throws {
        for attribute in try Self.children(node, "signedAttrs") {
            let parts = try Self.children(attribute, "Attribute")
            guard parts.count == 2, let type = try? ASN1ObjectIdentifier(derEncoded: parts[0]),
                  let value = try Self.children(parts[1], "AttributeValues").first else { continue }
            switch type {
            case OID.messageDigest:
                if case let .primitive(bytes) = value.content { messageDigest = Array(bytes) }
            case OID.signingTime:
                signingTime = Self.date(value)
            case OID.signingCertificateV2:
                // SigningCertificateV2 { certs { ESSCertIDv2 { [hashAlgorithm], certHash, … } } }
                if let certs = try Self.children(value, "SigningCertificateV2").first, let first = try Self.children(certs, "certs").first {
                    for part in try Self.children(first, "ESSCertIDv2") where part.identifier == .octetString {
                        if case let .primitive(bytes) = part.content { signingCertificateHash = Array(bytes) }
                    }
                }
            default: continue
            }
        }
    }

    private static func children(_ node: ASN1Node, _ what: String) throws -> [ASN1Node] {
        guard case let .constructed(nodes) = node.content else { throw FormatError(description: "\(what) is malformed.") }
        return Array(nodes)
    }

    private static func algorithm(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        guard let first = try children(node, "AlgorithmIdentifier").first, let oid = try? ASN1ObjectIdentifier(derEncoded: first) else {
            throw FormatError(description: "An algorithm identifier is malformed.")
        }
        return oid
    }

    private static func date(_ node: ASN1Node) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        if let time = try? UTCTime(derEncoded: node) {
            return calendar.date(from: DateComponents(year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes, second: time.seconds))
        }
        if let time = try? GeneralizedTime(derEncoded: node) {
            return calendar.date(from: DateComponents(year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes, second: time.seconds))
        }
        return nil
    }
}
