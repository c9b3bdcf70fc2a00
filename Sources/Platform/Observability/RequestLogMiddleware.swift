import Hummingbird
import Logging

/// Logs each request's method and address with secrets taken out of the query string: Open311 `api_key`, OpenID
/// `id_token_hint`, codes, states and tokens must not end up in log files that many people read.
public struct RequestLogMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext

    /// Query parameters whose values are replaced by `REDACTED` (compared without case).
    public static let secretParameters: Set<String> = [
        "api_key", "id_token_hint", "code", "code_verifier", "state", "nonce", "client_secret", "token", "access_token", "refresh_token",
        "password", "token_hint", "session", "_csrf", "next",
    ]

    let level: Logger.Level

    public init(_ level: Logger.Level = .info) {
        self.level = level
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.log(level: level, "Request", metadata: [
            "hb.request.path": .string(Self.redacted(path: request.uri.path, query: request.uri.query)),
            "hb.request.method": .string(request.method.rawValue),
        ])
        return try await next(request, context)
    }

    /// The path and query as logged: every secret parameter's value replaced, the rest left as sent.
    public static func redacted(path: String, query: String?) -> String {
        guard let query, !query.isEmpty else { return path }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let name = pair.prefix { $0 != "=" }
            let decoded = (String(name).removingPercentEncoding ?? String(name)).lowercased()
            return secretParameters.contains(decoded) ? "\(name)=REDACTED" : String(pair)
        }
        return path + "?" + pairs.joined(separator: "&")
    }
}
