import Foundation
import Hummingbird

/// A `multipart/form-data` body (RFC 7578): what browsers send when a form carries files.
///
/// Hand-written on purpose: MultipartKit 4.7.1 (the library in the mirror) traps on any byte above 0x7F in a part's
/// header name (its lookup table has 128 entries), so one request could stop the server; the fuzzer found it in
/// seconds (`fuzz/regressions/multipart`). This parser checks every range against the body, finds each delimiter once
/// (linear in the body), and reads `Content-Disposition` with `HeaderParameters` (quoted `;`, RFC 8187 `filename*`).
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var fileName: String?
        public var contentType: String?
        public var data: Data

        public init(name: String, fileName: String?, contentType: String?, data: Data) {
            self.name = name
            self.fileName = fileName
            self.contentType = contentType
            self.data = data
        }
    }

    /// More parts than any of our forms has (a report carries a few photos and a dozen fields).
    public static let maxParts = 256

    public let parts: [Part]

    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` header, if that is what it is.
    public static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        let parameters = HeaderParameters(contentType)
        guard let value = parameters["boundary"], !value.isEmpty, value.utf8.count <= 70,
              value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }

    public init(parts: [Part]) {
        self.parts = parts
    }

    public init(body: Data, boundary: String) throws {
        guard !boundary.isEmpty else { throw Problem.malformedBody("The form has no boundary.") }
        let delimiter = Data("--\(boundary)".utf8)
        let nextDelimiter = Data("\r\n--\(boundary)".utf8)
        var parts: [Part] = []
        guard let first = body.range(of: delimiter) else { throw Problem.malformedBody("The form has no parts.") }
        var cursor = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: Data("\r\n".utf8)) else { throw Problem.malformedBody("The form is malformed.") }
            guard parts.count < Self.maxParts else { throw Problem.malformedBody("The form has more than \(Self.maxParts) parts.") }
            let headerStart = cursor + 2
            guard let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: headerStart..<body.endIndex),
                  let next = body.range(of: nextDelimiter, in: headerEnd.upperBound..<body.endIndex)
            else { throw Problem.malformedBody("The form ends in the middle of a part.") }
            parts.append(try Self.part(headers: body[headerStart..<headerEnd.lowerBound], data: body[headerEnd.upperBound..<next.lowerBound]))
            cursor = next.upperBound
        }
        guard !parts.isEmpty else { throw Problem.malformedBody("The form has no parts.") }
        self.parts = parts
    }

    /// One part from its header block and its bytes.
    static func part(headers: Data, data: Data) throws -> Part {
        var disposition: HeaderParameters?
        var contentType: String?
        for line in String(decoding: headers, as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw Problem.malformedBody("A form part has a header line without a name.") }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-disposition" { disposition = HeaderParameters(value) } else if name == "content-type" { contentType = value }
        }
        guard let name = disposition?["name"] else { throw Problem.malformedBody("A form part has no name.") }
        return Part(name: name, fileName: disposition?["filename"], contentType: contentType, data: Data(data))
    }

    /// The first text value of a field.
    public subscript(_ name: String) -> String? {
        parts.first { $0.name == name && $0.fileName == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// Files sent under a field name (browsers send an empty part when none was chosen; those are skipped).
    public func files(_ name: String) -> [Part] {
        parts.filter { $0.name == name && $0.fileName != nil && !($0.fileName ?? "").isEmpty }
    }
}
