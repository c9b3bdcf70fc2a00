import Crypto
import Foundation

/// Random tokens and their stored form. Tokens are shown once; only their SHA-256 is kept, so a database leak
/// does not hand out sessions.
public enum TokenGenerator {
    public static func make(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(raw).base64URLEncoded
    }

    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }

    /// Compares without leaking where two strings first differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

extension Data {
    /// Every token, code and id the platform hands out passes here: bytes mapped in one pass, no string searches.
    public var base64URLEncoded: String {
        var bytes = Array(base64EncodedData())
        while bytes.last == UInt8(ascii: "=") { bytes.removeLast() }
        for index in bytes.indices {
            if bytes[index] == UInt8(ascii: "+") { bytes[index] = UInt8(ascii: "-") } else if bytes[index] == UInt8(ascii: "/") { bytes[index] = UInt8(ascii: "_") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Data {
    /// Decodes unpadded (or padded) base64url; nil for anything else, including standard base64's `+` and `/`.
    public init?(base64URLEncoded text: String) {
        guard text.utf8.allSatisfy({ $0.isBase64URLCharacter || $0 == UInt8(ascii: "=") }) else { return nil }
        var standard = text.replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = standard.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { standard += String(repeating: "=", count: 4 - remainder) }
        self.init(base64Encoded: standard)
    }
}

extension UInt8 {
    fileprivate var isBase64URLCharacter: Bool {
        (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z")) || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z"))
            || (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9")) || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}
