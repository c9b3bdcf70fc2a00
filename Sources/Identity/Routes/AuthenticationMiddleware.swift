import Hummingbird
import Platform

/// Works out who is calling: a bearer access token (API clients) or a session cookie (browsers).
///
/// A bad bearer token is refused with 401 rather than treated as anonymous, so a client with an expired token learns
/// to refresh instead of getting confusing 403s; the refusal waits until the rate limits have counted the request
/// (`RefusedCredentialMiddleware`). A stale cookie simply means "signed out".
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext
    let tokens: AccessTokens
    let sessions: WebSessions

    public init(tokens: AccessTokens, sessions: WebSessions) {
        self.tokens = tokens
        self.sessions = sessions
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // The OAuth endpoints read their own Authorization header: client credentials (Basic) at the token endpoint,
        // relying-party access tokens at userinfo.
        let ownAuthorization = ["/oauth2/token", "/oauth2/userinfo", "/oauth2/revoke"].contains(request.uri.path)
        if let authorization = request.headers[.authorization], !ownAuthorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                do {
                    context.principal = try await tokens.verify(String(parts[1]), logger: context.logger)
                } catch let problem as Problem where problem.status == .unauthorized {
                    context.refusedCredential = problem
                }
            } else {
                context.refusedCredential = Problem.unauthorized("Use 'Authorization: Bearer <access token>'.")
            }
        } else if let cookie = request.cookies[WebSessions.cookieName]?.value, !cookie.isEmpty {
            context.principal = try await sessions.principal(forCookie: cookie, logger: context.logger)
        }
        return try await next(request, context)
    }
}
