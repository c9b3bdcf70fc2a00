import Crypto
import Foundation
import Platform

/// A POSTed Open311 form, urlencoded or multipart, with the query string's `api_key` and `jurisdiction_id` as
/// fallbacks. Every value of a repeated field is kept (`attribute[CODE][]=a&attribute[CODE][]=b`).
package struct Open311Form {
    private(set) var pairs: [(String, String)] = []
    private(set) var media: [Data] = []

    package init(body: Data, contentType: String?, query: Open311Query) throws {
        if let boundary = MultipartForm.boundary(contentType: contentType) {
            let form = try MultipartForm(body: body, boundary: boundary)
            for part in form.parts {
                if part.fileName != nil || part.name == "media" || part.name == "media[]" {
                    if !part.data.isEmpty { media.append(part.data) }
                } else {
                    pairs.append((part.name, String(decoding: part.data, as: UTF8.self)))
                }
            }
        } else {
            for pair in [UInt8](body).split(separator: UInt8(ascii: "&")) {
                let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                pairs.append((FormDecoding.decode(parts[0]), parts.count > 1 ? FormDecoding.decode(parts[1]) : ""))
            }
        }
        // Trimmed once here: every field is looked up several times while a request is checked.
        pairs = pairs.map { ($0.0, FormDecoding.trimmed($0.1)) }
        for key in ["api_key", "jurisdiction_id"] where self[key] == nil {
            if let value = query[key] { pairs.append((key, FormDecoding.trimmed(value))) }
        }
    }

    /// The first non-empty value (empty counts as absent), without surrounding spaces.
    package subscript(_ key: String) -> String? {
        pairs.first { $0.0 == key && !$0.1.isEmpty }?.1
    }

    package func double(_ key: String) throws -> Double? {
        guard let text = self[key] else { return nil }
        guard let value = Double(text) else { throw Open311Error(.badRequest, "\(key) must be a decimal number (WGS84)") }
        return value
    }

    /// `attribute[CODE]` and `attribute[CODE][]` values by code.
    package var attributes: [String: [String]] {
        var answers: [String: [String]] = [:]
        for (key, value) in pairs where key.hasPrefix("attribute[") && !value.isEmpty {
            var code = key.dropFirst("attribute[".count)
            if code.hasSuffix("[]") { code = code.dropLast(2) }
            guard code.hasSuffix("]") else { continue }
            answers[String(code.dropLast()), default: []].append(value)
        }
        return answers
    }

    /// What makes two posts "the same request" from one device.
    var fingerprint: String {
        let fields = pairs.filter { $0.0 != "api_key" }.map { "\($0.0)=\($0.1)" }.sorted().joined(separator: "&")
        var hash = SHA256()
        hash.update(data: Data(fields.utf8))
        for item in media { hash.update(data: item) }
        return hash.finalize().prefix(16).hexString
    }
}
