import Foundation
import Hummingbird

/// A `multipart/form-data` body (RFC 7578): what browsers send when a form carries files.
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

    public let parts: [Part]

    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` header, if that is what it is.
    public static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 70 ? nil : value
            }
        }
        return nil
    }

    public init(parts: [Part]) {
        self.parts = parts
    }

    public init(body: Data, boundary: String) throws {
        let delimiter = Data("--\(boundary)".utf8)
        var parts: [Part] = []
        var searchFrom = body.startIndex
        guard let first = body.range(of: delimiter, in: searchFrom..<body.endIndex) else { throw Problem.malformedBody("The form has no parts.") }
        searchFrom = first.upperBound
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[searchFrom...].starts(with: Data("--".utf8)) { break }
            guard body[searchFrom...].starts(with: Data("\r\n".utf8)) else { throw Problem.malformedBody("The form is malformed.") }
            let headerStart = searchFrom + 2
            guard let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: headerStart..<body.endIndex),
                  let next = body.range(of: Data("\r\n--\(boundary)".utf8), in: headerEnd.upperBound..<body.endIndex)
            else { throw Problem.malformedBody("The form ends in the middle of a part.") }
            let headers = String(decoding: body[headerStart..<headerEnd.lowerBound], as: UTF8.self)
            var name: String?
            var fileName: String?
            var contentType: String?
            for line in headers.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = Self.parameter("name", in: line)
                    fileName = Self.parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            guard let name else { throw Problem.malformedBody("A form part has no name.") }
            parts.append(Part(name: name, fileName: fileName, contentType: contentType, data: Data(body[headerEnd.upperBound..<next.lowerBound])))
            searchFrom = next.upperBound
        }
        self.parts = parts
    }

    /// The first text value of a field.
    public subscript(_ name: String) -> String? {
        parts.first { $0.name == name && $0.fileName == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// Files sent under a field name (browsers send an empty part when none was chosen; those are skipped).
    public func files(_ name: String) -> [Part] {
        parts.filter { $0.name == name && $0.fileName != nil && !($0.fileName ?? "").isEmpty }
    }

    private static func parameter(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == key {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }
}
