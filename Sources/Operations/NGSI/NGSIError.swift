import Foundation
import HTTPTypes
import Hummingbird
import Platform

/// An NGSI-LD error as the ETSI API defines it (GS CIM 009 §5.5.2): RFC 7807 JSON whose `type` is one of the
/// error URIs under `https://uri.etsi.org/ngsi-ld/errors/`, so NGSI-LD clients can tell "already exists" from
/// "bad data" without reading the words.
public struct NGSIError: Error, HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidRequest = "InvalidRequest"
        case badRequestData = "BadRequestData"
        case alreadyExists = "AlreadyExists"
        case operationNotSupported = "OperationNotSupported"
        case resourceNotFound = "ResourceNotFound"
        case internalError = "InternalError"
        case tooComplexQuery = "TooComplexQuery"
        case tooManyResults = "TooManyResults"
        case noMultiTenantSupport = "NoMultiTenantSupport"

        var status: HTTPResponse.Status {
            switch self {
            case .invalidRequest, .badRequestData: .badRequest
            case .alreadyExists: .conflict
            case .operationNotSupported, .noMultiTenantSupport: .notImplemented
            case .resourceNotFound: .notFound
            case .internalError: .internalServerError
            case .tooComplexQuery, .tooManyResults: .forbidden
            }
        }
    }

    public static let typePrefix = "https://uri.etsi.org/ngsi-ld/errors/"

    public let kind: Kind
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var status: HTTPResponse.Status { kind.status }
    public var description: String { "\(kind.rawValue): \(detail)" }

    /// The problem document, also what a batch lists beside each entity it refused.
    public var document: JSONValue {
        .object(["type": .string(Self.typePrefix + kind.rawValue), "title": .string(kind.rawValue), "detail": .string(detail)])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: document.jsonText)))
    }

    /// The platform's own refusals (a body over the limit, a database that is away) in NGSI-LD's words, so a client
    /// of this API reads one error format; sign-in and role refusals stay the platform's (they come before).
    static func from(_ error: any Error) -> any Error {
        guard let problem = error as? Problem else { return error }
        switch problem.status.code {
        case 400, 413, 415, 422: return NGSIError(.badRequestData, problem.detail)
        case 404: return NGSIError(.resourceNotFound, problem.detail)
        case 409: return NGSIError(.alreadyExists, problem.detail)
        default: return problem
        }
    }
}
