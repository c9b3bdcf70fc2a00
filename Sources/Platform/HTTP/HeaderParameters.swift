import Foundation

/// The parameters of a header value such as `form-data; name="photo"; filename="a;b.jpg"` (RFC 9110 §5.6.6),
/// with quoted strings and their escapes, and `key*=UTF-8''…` values (RFC 8187), which win over the plain `key=`.
public struct HeaderParameters: Sendable {
    /// Lower-cased parameter names to their values.
    public let values: [String: String]

    public init(_ header: String) {
        var plain: [String: String] = [:]
        var extended: [String: String] = [:]
        var scanner = Substring(header)
        // Skip the value itself (`form-data`, `multipart/form-data`), up to the first `;` outside quotes.
        _ = Self.value(&scanner)
        while let semicolon = scanner.first, semicolon == ";" {
            scanner = scanner.dropFirst().drop { $0 == " " || $0 == "\t" }
            let key = scanner.prefix { $0 != "=" && $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
            scanner = scanner.dropFirst(scanner.prefix { $0 != "=" && $0 != ";" }.count)
            guard scanner.first == "=" else { continue }
            scanner = scanner.dropFirst().drop { $0 == " " || $0 == "\t" }
            let value = Self.value(&scanner)
            guard !key.isEmpty else { continue }
            if key.hasSuffix("*") {
                if let decoded = Self.extendedValue(value) { extended[String(key.dropLast())] = decoded }
            } else if plain[key] == nil {
                plain[key] = value
            }
        }
        values = plain.merging(extended) { _, extended in extended }
    }

    public subscript(_ key: String) -> String? { values[key.lowercased()] }

    /// A token, or a quoted string with `\` escapes; leaves `scanner` at the next `;` (or the end).
    private static func value(_ scanner: inout Substring) -> String {
        guard scanner.first == "\"" else {
            let token = scanner.prefix { $0 != ";" }
            scanner = scanner.dropFirst(token.count)
            return token.trimmingCharacters(in: .whitespaces)
        }
        scanner = scanner.dropFirst()
        var result = ""
        while let character = scanner.first {
            scanner = scanner.dropFirst()
            if character == "\"" { break }
            if character == "\\", let escaped = scanner.first {
                result.append(escaped)
                scanner = scanner.dropFirst()
            } else {
                result.append(character)
            }
        }
        scanner = scanner.drop { $0 != ";" }
        return result
    }

    /// `charset'language'percent-encoded` (RFC 8187); only UTF-8 and ASCII charsets are read.
    private static func extendedValue(_ text: String) -> String? {
        let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, ["utf-8", "us-ascii"].contains(pieces[0].lowercased()) else { return nil }
        return String(pieces[2]).removingPercentEncoding
    }
}
