import Foundation
import Platform

/// What NGSI-LD accepts as an entity id (a URI) and as a type or attribute name. Names may not hold characters
/// the `q` language or a URL uses as syntax, so every name can appear in a query, a path and a SQL JSON path as is.
public enum NGSINames {
    public static let maximumNameLength = SensorNumberIndex.maximumNameLength
    public static let maximumURILength = 256

    /// Letters, digits and `_ - : / . @` (what short names and expanded IRIs use); not starting with `@` or `.`.
    public static func isName(_ text: String) -> Bool { SensorNumberIndex.isNGSIName(text) }

    /// An absolute URI (`urn:ngsi-ld:…`, `https://…`): a scheme, a colon, then printable ASCII without spaces,
    /// quotes, angle brackets or the characters a path or query would read as syntax (`? # %`).
    public static func isURI(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes.count <= maximumURILength, let colon = bytes.firstIndex(of: 0x3A), colon > 0, colon < bytes.count - 1 else { return false }
        let scheme = bytes[..<colon]
        guard let first = scheme.first, (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A) else { return false }
        guard scheme.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return false }
        let forbidden: Set<UInt8> = [0x22, 0x3C, 0x3E, 0x5C, 0x5E, 0x60, 0x7B, 0x7C, 0x7D, 0x3F, 0x25, 0x23]
        return bytes[(colon + 1)...].allSatisfy { $0 > 0x20 && $0 < 0x7F && !forbidden.contains($0) }
    }

    /// A name or value from a client, cut and cleaned for an error message.
    static func shown(_ text: String) -> String {
        let cleaned = text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }
        return cleaned.count > 60 ? String(cleaned.prefix(60)) + "…" : String(cleaned)
    }
}
