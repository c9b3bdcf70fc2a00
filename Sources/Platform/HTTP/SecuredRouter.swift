import Foundation
import HTTPTypes
import Hummingbird

/// The only way modules add routes: each one states who may call it, and the check runs before the handler.
///
/// Unsafe requests made with a browser session must prove they came from our own pages (CSRF): the session's
/// token in an `X-CSRF-Token` header or a `_csrf` form field. Before sign-in, pages use a double-submit cookie.
public struct SecuredRouter {
    public let router: Router<HuesRequestContext>
    public let catalog: RouteCatalog

    public static let csrfCookie = "hues_csrf"
    public static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    public init(router: Router<HuesRequestContext>, catalog: RouteCatalog) {
        self.router = router
        self.catalog = catalog
    }

    public func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, access: Access, kind: RouteKind = .api, summary: String,
        use handler: @escaping @Sendable (Request, HuesRequestContext) async throws -> Output
    ) {
        catalog.add(RouteDeclaration(method: method, path: path, access: access, kind: kind, summary: summary))
        router.on(RouterPath(path), method: method) { request, context -> Response in
            var request = request
            guard access.allows(context.principal) else {
                if context.principal == nil {
                    if kind == .page, method == .get {
                        let next = request.uri.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
                        return Response(status: .seeOther, headers: [.location: "/login?next=\(next)"])
                    }
                    throw Problem.unauthorized()
                }
                throw Problem.forbidden()
            }
            if ![.get, .head, .options].contains(method) {
                try await Self.checkCSRF(request: &request, context: context, kind: kind)
            }
            return try await handler(request, context).response(from: request, context: context)
        }
    }

    private static func checkCSRF(request: inout Request, context: HuesRequestContext, kind: RouteKind) async throws {
        let expected: String?
        switch context.principal?.credential {
        case .session(_, let csrfToken): expected = csrfToken
        case .accessToken: return
        case nil:
            // Signed-out API calls carry no ambient credential, so there is nothing to forge.
            guard kind == .page else { return }
            expected = request.cookies[csrfCookie]?.value
        }
        var presented = request.headers[csrfHeader]
        if presented == nil, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            presented = FormFields(String(buffer: body))["_csrf"]
        } else if presented == nil, let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            presented = try MultipartForm(body: Data(buffer: body), boundary: boundary)["_csrf"]
        }
        guard let expected, let presented, TokenGenerator.constantTimeEquals(expected, presented) else {
            throw Problem(status: .forbidden, type: "csrf", title: "Form expired",
                          detail: "This form has expired or did not come from this site. Reload the page and try again.")
        }
    }
}

/// `application/x-www-form-urlencoded` fields (first value wins).
public struct FormFields: Sendable {
    public let values: [String: String]

    public init(_ body: String) {
        var values: [String: String] = [:]
        for pair in Array(body.utf8).split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let key = FormDecoding.decode(parts[0])
            let value = parts.count > 1 ? FormDecoding.decode(parts[1]) : ""
            if values[key] == nil { values[key] = value }
        }
        self.values = values
    }

    public subscript(_ key: String) -> String? { values[key] }
}
