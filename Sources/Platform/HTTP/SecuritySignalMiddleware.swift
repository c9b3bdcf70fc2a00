import Foundation
import Hummingbird

/// Tells the SOC (through the `SecuritySignals` capability, when a module provides it) of requests that look like
/// attacks on the platform: a refused sign-in, a forged or reused token, a 403, a client past its request limits, a
/// bank webhook whose signature did not verify. Runs right inside authentication (before the request limits and
/// the refusal of a bad token), so it sees who was signed in, the limits' 429s and refused tokens, and both answers
/// and thrown problems.
public struct SecuritySignalMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext
    static let signInPaths: Set<String> = ["/login", "/api/v1/auth/token", "/oauth2/token"]
    static let webhookPaths: Set<String> = ["/api/v1/payments/bank/confirmations"]

    let signals: @Sendable () -> (any SecuritySignals)?
    let clock: @Sendable () -> Date

    public init(signals: @escaping @Sendable () -> (any SecuritySignals)?, clock: @escaping @Sendable () -> Date = Date.init) {
        self.signals = signals
        self.clock = clock
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            note(status: Int(response.status.code), problemType: nil, request: request, context: context)
            return response
        } catch let problem as Problem {
            note(status: Int(problem.status.code), problemType: problem.type, request: request, context: context)
            throw problem
        }
    }

    /// Problem types that name what happened to a credential.
    static let forgedToken = "/problems/token-signature-invalid"
    static let reusedToken = "/problems/refresh-token-reused"

    private func note(status: Int, problemType: String?, request: Request, context: Context) {
        guard status == 401 || status == 403 || status == 429 else { return }
        // The router ignores empty segments (`//login`, `/api/v1/auth/token/`): compare the path it routed by.
        let path = String(CanonicalPath.of(request.uri.path))
        let kind: SecuritySignal.Kind
        if problemType == Self.forgedToken || context.refusedCredential?.type == Self.forgedToken {
            kind = .tokenForged
        } else if problemType == Self.reusedToken {
            kind = .tokenReused
        } else if request.method == .post, Self.signInPaths.contains(path) {
            kind = .signInFailed
        } else if Self.webhookPaths.contains(path), status == 401 || status == 403 {
            kind = .webhookSignatureFailed
        } else if status == 403 {
            kind = .accessForbidden
        } else if status == 429 {
            kind = .rateLimited
        } else {
            return
        }
        signals()?.record(SecuritySignal(kind: kind, sourceAddress: context.clientAddress, method: request.method.rawValue,
                                         path: String(path.prefix(200)), status: status, accountID: context.principal?.accountID, at: clock()))
    }
}
