import Foundation

/// ASCII-only case folding and number reading as the reference engine does them.
enum SigmaText {
    static func folded(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A { bytes[index] |= 0x20 }
        return bytes
    }

    static func foldedString(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) { return text }
        return String(decoding: folded(text), as: UTF8.self)
    }

    /// A decimal number as SQLite's numeric affinity reads text: optional surrounding ASCII whitespace, a sign,
    /// digits with at most one point, an exponent; not hex, not `inf`, not digit groups.
    static func number(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { number($0) }
    }

    static func number(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        // Most values (paths, command lines, names) fail on their first byte.
        guard let lead = bytes.first, (lead >= 0x30 && lead <= 0x39) || lead == 0x2B || lead == 0x2D || lead == 0x2E
            || lead == 0x20 || (lead >= 0x09 && lead <= 0x0D), bytes.count <= 64 else { return nil }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        var index = start
        if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        var points = 0
        while index < end, (bytes[index] >= 0x30 && bytes[index] <= 0x39) || bytes[index] == UInt8(ascii: ".") {
            if bytes[index] == UInt8(ascii: ".") { points += 1 } else { digits += 1 }
            index += 1
        }
        guard digits > 0, points <= 1 else { return nil }
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponentStart = index
            while index < end, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
            guard index > exponentStart else { return nil }
        }
        guard index == end else { return nil }
        return Double(String(decoding: bytes[start..<end], as: UTF8.self))
    }

    /// A number as SQLite writes it: whole numbers within 64 bits in decimal, others with 15 significant digits.
    static func format(_ number: Double) -> String {
        if number.isInfinite { return number < 0 ? "-Inf" : "Inf" }
        if number == number.rounded(), number.magnitude < 9.2e18 { return String(Int64(number)) }
        var text = String(format: "%.15g", number)
        if !text.contains(".") {
            if let exponent = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                text.insert(contentsOf: ".0", at: exponent)
            } else {
                text += ".0"
            }
        }
        return text
    }
}
