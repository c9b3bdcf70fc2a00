import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An OAuth 2.0 error answered the way the standard says (RFC 6749 §5.2): JSON with `error` and
/// `error_description`, never cached. Clients switch on `error`.
public struct OAuthError: Error, HTTPResponseError, Sendable, Equatable {
    public var code: String
    public var detail: String
    public var status: HTTPResponse.Status
    public var headers: HTTPFields

    public init(_ code: String, _ detail: String, status: HTTPResponse.Status = .badRequest, headers: HTTPFields = [:]) {
        self.code = code
        self.detail = detail
        self.status = status
        self.headers = headers
    }

    public static func invalidRequest(_ detail: String) -> OAuthError { OAuthError("invalid_request", detail) }
    public static func invalidGrant(_ detail: String) -> OAuthError { OAuthError("invalid_grant", detail) }
    public static func invalidScope(_ detail: String) -> OAuthError { OAuthError("invalid_scope", detail) }

    public static func invalidClient(_ detail: String, usedBasic: Bool) -> OAuthError {
        var headers = HTTPFields()
        if usedBasic { headers[.wwwAuthenticate] = "Basic realm=\"hues\"" }
        return OAuthError("invalid_client", detail, status: .unauthorized, headers: headers)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Pragma")!] = "no-cache"
        let body = try JSONSerialization.data(withJSONObject: ["error": code, "error_description": detail], options: [.sortedKeys])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
