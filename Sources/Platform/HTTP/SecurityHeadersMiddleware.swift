import HTTPTypes
import Hummingbird

/// Headers that make browsers refuse the usual attacks: sniffing, framing, inline script injection, referrer leaks.
/// Each response also carries its request id so a citizen's bug report can be matched to the logs.
public struct SecurityHeadersMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext
    let strictTransport: Bool
    let policy: String

    public static let requestIDHeader = HTTPField.Name("X-Request-Id")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let permissionsPolicy = HTTPField.Name("Permissions-Policy")!
    static let openerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
    /// The one inline script allowed is the layout's `document.documentElement.classList.add("js")`, by its hash: it
    /// must run before the first paint, so a phone does not flash the open menu before `app.js` folds it. Images may
    /// also come from the map's tile server.
    static func policy(imageSources: [String]) -> String {
        "default-src 'self'; img-src 'self' data:\(imageSources.map { " " + $0 }.joined()); style-src 'self'; "
            + "script-src 'self' 'sha256-qOhFsq0QMV2REqNwk5hGH5bZE9SkX6gt6yeyKdYPv+U='; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    }

    public init(strictTransport: Bool, imageSources: [String] = []) {
        self.strictTransport = strictTransport
        self.policy = Self.policy(imageSources: imageSources)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.frameOptions] = "DENY"
        response.headers[Self.referrerPolicy] = "same-origin"
        response.headers[.contentSecurityPolicy] = policy
        response.headers[Self.permissionsPolicy] = "camera=(), microphone=(), geolocation=(self)"
        response.headers[Self.openerPolicy] = "same-origin"
        if strictTransport {
            response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
        response.headers[Self.requestIDHeader] = context.id
        return response
    }
}
