import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A `multipart/form-data` body (RFC 7578): what browsers send when a form carries files.
///
/// MultipartKit's parser finds the parts; their `Content-Disposition` parameters are read by `HeaderParameters`
/// (quoted strings with `;` inside, and `filename*` in RFC 8187 form, which MultipartKit does not decode).
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
        let collector = PartCollector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.headers.append((name, value)) }
        parser.onBody = { buffer in collector.data.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = { collector.complete() }
        do { try parser.execute(ByteBuffer(bytes: body)) } catch { throw Problem.malformedBody("The form is malformed.") }
        if let problem = collector.problem { throw problem }
        // The parser stops quietly at the end of the bytes; a form must end with its closing delimiter.
        guard collector.headers.isEmpty, collector.data.isEmpty, Self.hasClosingDelimiter(body, boundary: boundary) else {
            throw Problem.malformedBody("The form ends in the middle of a part.")
        }
        guard !collector.parts.isEmpty else { throw Problem.malformedBody("The form has no parts.") }
        self.parts = collector.parts
    }

    static func hasClosingDelimiter(_ body: Data, boundary: String) -> Bool {
        let closing = Data("--\(boundary)--".utf8)
        guard let found = body.range(of: closing, options: .backwards) else { return false }
        return found.lowerBound == body.startIndex || body[..<found.lowerBound].suffix(2) == Data("\r\n".utf8)
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

/// Gathers what the parser reports, part by part (the parser calls back synchronously, on this thread).
private final class PartCollector {
    var headers: [(String, String)] = []
    var data = Data()
    var parts: [MultipartForm.Part] = []
    var problem: Problem?

    func complete() {
        defer { headers = []; data = Data() }
        guard problem == nil else { return }
        guard parts.count < MultipartForm.maxParts else {
            problem = Problem.malformedBody("The form has more than \(MultipartForm.maxParts) parts.")
            return
        }
        let disposition = headers.first { $0.0.lowercased() == "content-disposition" }.map { HeaderParameters($0.1) }
        guard let name = disposition?["name"] else {
            problem = Problem.malformedBody("A form part has no name.")
            return
        }
        let contentType = headers.first { $0.0.lowercased() == "content-type" }?.1.trimmingCharacters(in: .whitespaces)
        parts.append(.init(name: name, fileName: disposition?["filename"], contentType: contentType, data: data))
    }
}
