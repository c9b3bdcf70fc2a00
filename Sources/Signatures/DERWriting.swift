import Foundation
import SwiftASN1

/// Small DER building blocks for the structures swift-certificates does not expose (SignedData with our own signed
/// attributes, CRLs). Primitives go through SwiftASN1; this file only nests them.
enum DERWriting {
    static func node(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var bytes = [tag]
        let length = content.count
        if length < 0x80 {
            bytes.append(UInt8(length))
        } else {
            var lengthBytes: [UInt8] = []
            var remaining = length
            while remaining > 0 {
                lengthBytes.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            bytes.append(0x80 | UInt8(lengthBytes.count))
            bytes += lengthBytes
        }
        return bytes + content
    }

    static func sequence(_ parts: [[UInt8]]) -> [UInt8] { node(0x30, parts.flatMap { $0 }) }

    /// A DER SET OF: members sorted by their encodings.
    static func set(_ parts: [[UInt8]]) -> [UInt8] { node(0x31, setContent(parts)) }

    /// The members of a SET OF in DER order, for sets carried under an implicit tag.
    static func setContent(_ parts: [[UInt8]]) -> [UInt8] { parts.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 } }

    /// `[n]` constructed, context-specific (explicit tags and implicit constructed ones alike).
    static func context(_ number: UInt8, _ content: [UInt8]) -> [UInt8] { node(0xA0 | number, content) }

    static func encode<T: DERSerializable>(_ value: T) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(value)
        return serializer.serializedBytes
    }

    static func oid(_ components: ASN1ObjectIdentifier) throws -> [UInt8] { try encode(components) }

    static func integer(unsignedBytes: ArraySlice<UInt8>) throws -> [UInt8] { try encode(ASN1IntegerBytes(unsignedBytes)) }

    static func integer(_ value: Int) throws -> [UInt8] { try encode(value) }

    static func octetString(_ bytes: [UInt8]) throws -> [UInt8] { try encode(ASN1OctetString(contentBytes: bytes[...])) }

    static func bitString(_ bytes: [UInt8]) throws -> [UInt8] { try encode(ASN1BitString(bytes: bytes[...])) }

    static let null: [UInt8] = [0x05, 0x00]

    /// RFC 5280 time: UTCTime through 2049, GeneralizedTime after.
    static func time(_ date: Date) throws -> [UInt8] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let (year, month, day) = (parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
        let (hour, minute, second) = (parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
        if year < 2050 {
            return try encode(UTCTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second))
        }
        return try encode(GeneralizedTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second, fractionalSeconds: 0))
    }

    /// Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }
    static func `extension`(_ oid: ASN1ObjectIdentifier, critical: Bool = false, value: [UInt8]) throws -> [UInt8] {
        sequence([try self.oid(oid)] + (critical ? [[0x01, 0x01, 0xFF]] : []) + [try octetString(value)])
    }
}

/// An unsigned big-endian integer for SwiftASN1 (serial numbers, CRL numbers).
struct ASN1IntegerBytes: ASN1IntegerRepresentable {
    static var isSigned: Bool { false }
    var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    init(derIntegerBytes: ArraySlice<UInt8>) throws { bytes = derIntegerBytes }
    init(berIntegerBytes: ArraySlice<UInt8>) throws { bytes = berIntegerBytes }
    func withBigEndianIntegerBytes<ReturnType>(_ body: (ArraySlice<UInt8>) throws -> ReturnType) rethrows -> ReturnType { try body(bytes) }
}

/// Object identifiers this module writes and reads.
enum OID {
    static let data: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 1]
    static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 2]
    static let contentType: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 3]
    static let messageDigest: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 4]
    static let signingTime: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 5]
    static let signingCertificateV2: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 16, 2, 47]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10_045, 4, 3, 2]
    static let sha256WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 11]
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 1]
    static let cRLNumber: ASN1ObjectIdentifier = [2, 5, 29, 20]
    static let reasonCode: ASN1ObjectIdentifier = [2, 5, 29, 21]
    static let authorityKeyIdentifier: ASN1ObjectIdentifier = [2, 5, 29, 35]
    static let crlDistributionPoints: ASN1ObjectIdentifier = [2, 5, 29, 31]
}
