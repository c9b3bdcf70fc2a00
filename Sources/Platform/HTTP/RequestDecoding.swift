import Foundation
import Hummingbird

/// Request bodies the API accepts validate themselves and report every bad field.
public protocol ValidatedInput: Decodable, Sendable {
    func validate() -> [Problem.FieldError]
}

extension Request {
    /// Decodes a JSON body; malformed JSON and wrong types become a 400 problem naming the field.
    public mutating func decodeJSON<T: Decodable>(as type: T.Type, context: HuesRequestContext) async throws -> T {
        guard let contentType = headers[.contentType], contentType.lowercased().hasPrefix("application/json") else {
            throw Problem(status: .unsupportedMediaType, type: "unsupported-media-type", title: "Unsupported media type",
                          detail: "Send the body as application/json.")
        }
        let buffer = try await collectBody(upTo: context.maxBodyBytes)
        do {
            return try JSONDecoder.api.decode(T.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, codingContext) {
            throw Problem.validation([.init(field: Self.path(codingContext.codingPath + [key]), message: "is required")])
        } catch let DecodingError.typeMismatch(expected, codingContext) {
            throw Problem.validation([.init(field: Self.path(codingContext.codingPath), message: "must be \(Self.describe(expected))")])
        } catch let DecodingError.valueNotFound(expected, codingContext) {
            throw Problem.validation([.init(field: Self.path(codingContext.codingPath), message: "must be \(Self.describe(expected)), not null")])
        } catch let DecodingError.dataCorrupted(codingContext) {
            if codingContext.codingPath.isEmpty {
                throw Problem.malformedBody("The body is not valid JSON.")
            }
            throw Problem.validation([.init(field: Self.path(codingContext.codingPath), message: codingContext.debugDescription)])
        }
    }

    /// Decodes and validates; all field errors come back together.
    public mutating func decodeValid<T: ValidatedInput>(_ type: T.Type, context: HuesRequestContext) async throws -> T {
        let value = try await decodeJSON(as: T.self, context: context)
        let errors = value.validate()
        if !errors.isEmpty { throw Problem.validation(errors) }
        return value
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default: return "of type \(type)"
        }
    }
}

extension JSONDecoder {
    public static let api: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

extension JSONEncoder {
    public static let api: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// A JSON response with the API's encoder and an explicit status.
public struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator, Sendable {
    public var status: HTTPResponse.Status
    public var value: Value
    public var headers: HTTPFields

    public init(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.status = status
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.api.encode(value))))
    }
}

extension Request {
    /// A query value as an HTML form sends it: `+` is a space (application/x-www-form-urlencoded), then percent-decoded.
    public func formQuery(_ name: String) -> String? {
        guard let raw = uri.query else { return nil }
        for pair in Array(raw.utf8).split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard FormDecoding.decode(parts[0]) == name else { continue }
            return parts.count > 1 ? FormDecoding.decode(parts[1]) : ""
        }
        return nil
    }
}
