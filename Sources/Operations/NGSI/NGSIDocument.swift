import Foundation
import Platform

/// Bytes from an NGSI-LD client turned into a JSON value, or the ETSI error that says why not (and where).
public enum NGSIDocument {
    public static let maximumDepth = 24

    public static func decode(_ data: Data) throws(NGSIError) -> JSONValue {
        guard !data.isEmpty else { throw NGSIError(.invalidRequest, "The request has no body; NGSI-LD expects a JSON document.") }
        do {
            return try JSONParser.parse(Array(data), maximumDepth: maximumDepth)
        } catch {
            throw NGSIError(error.reason.hasPrefix("nesting") ? .badRequestData : .invalidRequest, "The body is not valid JSON: \(error).")
        }
    }
}
