import Foundation
import Hummingbird
import NIOCore
import Platform

/// One Open311 answer, written once and rendered as XML or JSON by the path suffix. JSON follows the "Spark
/// convention": the XML root is dropped, so lists become bare arrays.
indirect enum Open311Value {
    case text(String?)
    case number(Double?)
    case integer(Int)
    case object([(String, Open311Value)])
    /// A list; in XML each item is an element named `item`.
    case list(item: String, [Open311Value])
}

enum Open311Format: String {
    case json
    case xml

    var contentType: String { self == .json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8" }

    /// `services.json` → ("services", .json); nil for any other suffix.
    static func split(_ file: String) -> (name: String, format: Open311Format)? {
        guard let dot = file.lastIndex(of: "."), let format = Open311Format(rawValue: String(file[file.index(after: dot)...]).lowercased())
        else { return nil }
        return (String(file[..<dot]), format)
    }
}

struct Open311Document {
    var root: String
    var value: Open311Value
    var status: HTTPResponse.Status = .ok

    func response(_ format: Open311Format) -> Response {
        let body: String
        switch format {
        case .json: body = Self.json(value)
        case .xml: body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + Self.xml(root, value)
        }
        return Response(status: status, headers: [.contentType: format.contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ value: Open311Value) -> String {
        switch value {
        case .text(let text): return text.map(quote) ?? "null"
        case .number(let number):
            guard let number, number.isFinite else { return "null" }
            return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .integer(let integer): return String(integer)
        case .object(let fields): return "{" + fields.map { "\(quote($0.0)):\(json($0.1))" }.joined(separator: ",") + "}"
        case .list(_, let items): return "[" + items.map(json).joined(separator: ",") + "]"
        }
    }

    static func quote(_ text: String) -> String { JSONValue.quoted(text) }

    static func xml(_ name: String, _ value: Open311Value) -> String {
        switch value {
        case .text(let text): return text.map { "<\(name)>\(escape($0))</\(name)>" } ?? "<\(name)/>"
        case .number(let number): return number.flatMap { $0.isFinite ? "<\(name)>\(json(.number($0)))</\(name)>" : nil } ?? "<\(name)/>"
        case .integer(let integer): return "<\(name)>\(integer)</\(name)>"
        case .object(let fields): return "<\(name)>" + fields.map { xml($0.0, $0.1) }.joined() + "</\(name)>"
        case .list(let item, let items): return "<\(name)>" + items.map { xml(item, $0) }.joined() + "</\(name)>"
        }
    }

    static func escape(_ text: String) -> String { MarkupText.escaped(text) }

    /// The spec's error list: `<errors><error><code/><description/></error></errors>` or `[{"code":…}]`.
    static func errors(_ status: HTTPResponse.Status, _ descriptions: [String]) -> Open311Document {
        Open311Document(root: "errors", value: .list(item: "error", descriptions.map {
            .object([("code", .integer(status.code)), ("description", .text($0))])
        }), status: status)
    }
}

/// An Open311 refusal, rendered in the spec's error format.
struct Open311Error: Error {
    var status: HTTPResponse.Status
    var descriptions: [String]

    init(_ status: HTTPResponse.Status, _ descriptions: String...) {
        self.status = status
        self.descriptions = descriptions
    }

    init(status: HTTPResponse.Status, descriptions: [String]) {
        self.status = status
        self.descriptions = descriptions
    }
}
