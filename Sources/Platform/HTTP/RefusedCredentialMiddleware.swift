import Hummingbird

/// Answers a request whose bearer token did not verify with the authentication middleware's 401. It runs after the
/// rate limits, so a client trying tokens is counted (and refused with 429) like any anonymous client first.
public struct RefusedCredentialMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let refused = context.refusedCredential { throw refused }
        return try await next(request, context)
    }
}
