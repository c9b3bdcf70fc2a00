import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem: the one error type every module throws for a client to read.
///
/// `type` is stable (clients switch on it), `detail` is for people, `errors` names each bad field.
public struct Problem: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public struct FieldError: Codable, Sendable, Equatable {
        public var field: String
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var status: HTTPResponse.Status
    public var type: String
    public var title: String
    public var detail: String
    public var errors: [FieldError]
    public var headers: HTTPFields

    public init(status: HTTPResponse.Status, type: String, title: String, detail: String, errors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.type = "/problems/\(type)"
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public var description: String { "\(status.code) \(type): \(detail)" }

    public static func validation(_ errors: [FieldError], detail: String = "The request has invalid fields.") -> Problem {
        Problem(status: .badRequest, type: "validation", title: "Invalid request", detail: detail, errors: errors)
    }

    /// Well-formed input that breaks a domain rule (a form against its procedure's schema): 422 with each field.
    public static func unprocessable(_ errors: [FieldError], detail: String = "Some fields do not meet the rules.") -> Problem {
        Problem(status: .unprocessableContent, type: "validation", title: "Unprocessable input", detail: detail, errors: errors)
    }

    public static func badRequest(_ detail: String) -> Problem {
        Problem(status: .badRequest, type: "bad-request", title: "Bad request", detail: detail)
    }

    public static func malformedBody(_ detail: String) -> Problem {
        Problem(status: .badRequest, type: "malformed-body", title: "Malformed request body", detail: detail)
    }

    public static func unauthorized(_ detail: String = "Sign in to continue.") -> Problem {
        Problem(status: .unauthorized, type: "unauthorized", title: "Authentication required", detail: detail,
                headers: [.wwwAuthenticate: "Bearer realm=\"hues\""])
    }

    /// Deliberately the same for "no such object" and "not yours", so a 403 never reveals what exists.
    public static func forbidden(_ detail: String = "You are not allowed to do this.") -> Problem {
        Problem(status: .forbidden, type: "forbidden", title: "Forbidden", detail: detail)
    }

    public static func notFound(_ detail: String = "There is nothing at this address.") -> Problem {
        Problem(status: .notFound, type: "not-found", title: "Not found", detail: detail)
    }

    public static func methodNotAllowed(allowed: [String]) -> Problem {
        var headers = HTTPFields()
        headers[.allow] = allowed.joined(separator: ", ")
        return Problem(status: .methodNotAllowed, type: "method-not-allowed", title: "Method not allowed",
                       detail: "This address accepts \(allowed.joined(separator: ", ")).", headers: headers)
    }

    public static func conflict(_ detail: String) -> Problem {
        Problem(status: .conflict, type: "conflict", title: "Conflict", detail: detail)
    }

    public static func tooLarge(limit: Int) -> Problem {
        Problem(status: .contentTooLarge, type: "body-too-large", title: "Request body too large",
                detail: "The request body is larger than the limit of \(limit) bytes.")
    }

    public static func tooManyRequests(retryAfterSeconds: Int, detail: String) -> Problem {
        var headers = HTTPFields()
        headers[.retryAfter] = String(max(1, retryAfterSeconds))
        return Problem(status: .tooManyRequests, type: "too-many-requests", title: "Too many requests", detail: detail, headers: headers)
    }

    public static func unavailable(retryAfterSeconds: Int = 5, detail: String = "The database is unreachable; try again shortly.") -> Problem {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfterSeconds)
        return Problem(status: .serviceUnavailable, type: "unavailable", title: "Service unavailable", detail: detail, headers: headers)
    }

    public static func `internal`() -> Problem {
        Problem(status: .internalServerError, type: "internal", title: "Internal error",
                detail: "Something went wrong on our side. It has been logged.")
    }

    private struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var instance: String?
        var errors: [FieldError]?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(type: type, title: title, status: Int(status.code), detail: detail, instance: request.uri.path,
                        errors: errors.isEmpty ? nil : errors)
        let data = try JSONEncoder.problem.encode(body)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    fileprivate static let problem: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
