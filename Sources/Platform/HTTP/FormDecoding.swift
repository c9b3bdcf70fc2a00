/// `application/x-www-form-urlencoded` values decoded byte by byte. Foundation's `removingPercentEncoding` gives up
/// on a whole value at one stray `%` and costs a bridge through NSString per field (a tenth of the CPU of an Open311
/// POST or a token exchange in profiles); here a malformed escape is kept as written, the way browsers do.
public enum FormDecoding {
    public static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), bytes.endIndex - index > 2,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        // Invalid UTF-8 becomes U+FFFD rather than failing the form; validation downstream sees the replacement.
        return String(decoding: out, as: UTF8.self)
    }

    /// Spaces and tabs off both ends, as `trimmingCharacters(in: .whitespaces)` without the bridge.
    public static func trimmed(_ text: String) -> String {
        // Foundation's `.whitespaces`: the tab and Unicode's space separators; line breaks are kept.
        let isBlank: (Character) -> Bool = { $0.unicodeScalars.allSatisfy { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator } }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(text[first...last])
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
