import Hummingbird
import NIOCore
import Logging

/// Per-request state: who is calling (set by the authentication middleware) and the body limit in force.
public struct HuesRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public var maxBodyBytes: Int
    /// The language pages are rendered in (vi or en), chosen by cookie, query or Accept-Language.
    public var language: String
    /// The peer, kept as is: turning it into text costs a conversion that only rate-limited routes need.
    let peer: SocketAddress?
    /// The client behind the city's trusted proxies, when the request came through one (see `ClientAddress`).
    public var forwardedClient: String?
    /// A bearer token that did not verify: answered with this 401 only after the rate limits have counted the request
    /// as anonymous, so spraying bad tokens is limited like any anonymous traffic (`RefusedCredentialMiddleware`).
    public var refusedCredential: Problem?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.peer = source.channel.remoteAddress
        self.forwardedClient = nil
        self.refusedCredential = nil
        self.principal = nil
        self.maxBodyBytes = 1024 * 1024
        self.language = "vi"
    }

    public var maxUploadSize: Int { maxBodyBytes }

    /// The socket peer's IP address.
    public var peerAddress: String? { peer?.ipAddress }

    /// The client's IP address (the key for rate limits): the peer, or who a trusted proxy says it forwarded.
    public var clientAddress: String { forwardedClient ?? peer?.ipAddress ?? "unknown" }

    /// The signed-in principal, or a 401 problem.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw Problem.unauthorized() }
        return principal
    }
}
