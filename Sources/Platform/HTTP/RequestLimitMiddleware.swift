import HTTPTypes
import Hummingbird

/// Applies the operator's rate limits and quotas (`RequestLimits`) to every request: after authentication, so a
/// rule can be per account, role or integrated service; before the public response cache, so a kept answer is
/// counted like any other.
public struct RequestLimitMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext
    let limits: RequestLimits

    public init(_ limits: RequestLimits) {
        self.limits = limits
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !limits.isEmpty else { return try await next(request, context) }
        let candidates = limits.rules(method: request.method.rawValue, path: CanonicalPath.of(request.uri.path))
        guard !candidates.isEmpty else { return try await next(request, context) }
        let headers = try await limits.admit(candidates, principal: context.principal, address: context.clientAddress, logger: context.logger)
        var response = try await next(request, context)
        response.headers.append(contentsOf: headers)
        return response
    }
}
