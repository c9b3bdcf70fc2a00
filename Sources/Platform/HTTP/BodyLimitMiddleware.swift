import Hummingbird

/// Refuses bodies over the configured size before reading them, and caps streamed bodies at the same limit.
public struct BodyLimitMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext
    let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxBodyBytes = limit
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw Problem.tooLarge(limit: limit)
        }
        return try await next(request, context)
    }
}
