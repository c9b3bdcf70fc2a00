import Foundation
import Platform

/// Bytes from an NGSI-LD client turned into a JSON value, or the ETSI error that says why not. Nesting is checked
/// before decoding, so a body of ten thousand `[` costs one pass over it rather than a deep recursion.
public enum NGSIDocument {
    public static let maximumDepth = 24

    public static func decode(_ data: Data) throws(NGSIError) -> JSONValue {
        guard !data.isEmpty else { throw NGSIError(.invalidRequest, "The request has no body; NGSI-LD expects a JSON document.") }
        guard depth(of: data) <= maximumDepth else {
            throw NGSIError(.badRequestData, "The document nests deeper than \(maximumDepth) levels.")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw NGSIError(.invalidRequest, "The body is not valid JSON.")
        }
    }

    /// The deepest nesting of arrays and objects, outside strings.
    static func depth(of data: Data) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22: inString = true
            case 0x5B, 0x7B:
                depth += 1
                deepest = max(deepest, depth)
            case 0x5D, 0x7D: depth -= 1
            default: break
            }
        }
        return deepest
    }
}
