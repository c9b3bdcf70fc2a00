import HTTPTypes
import Hummingbird

/// Who is really calling: the socket peer, or, when that peer is one of the city's own proxies, the address the
/// proxies say they received the request from (RFC 7239 `Forwarded`, else `X-Forwarded-For`).
///
/// Headers from anyone else are ignored, so a client cannot choose its own rate-limit bucket; behind a proxy, every
/// client no longer shares the proxy's one bucket.
public enum ClientAddress {
    /// The client for a request that reached us from `peer` with these headers.
    public static func resolve(peer: String?, forwarded: String?, forwardedFor: String?, trusted: [IPNetwork]) -> String? {
        guard let peer, isTrusted(peer, trusted) else { return peer }
        let hops = forwarded.map(forwardedHops) ?? forwardedFor.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        // Right to left: each trusted proxy vouches for the hop before it; the first untrusted one is the client.
        var client = peer
        for hop in hops.suffix(32).reversed() {
            guard let address = plainAddress(hop) else { break }
            client = address
            if !isTrusted(address, trusted) { break }
        }
        return client
    }

    static func isTrusted(_ address: String, _ trusted: [IPNetwork]) -> Bool {
        trusted.contains { $0.contains(address) }
    }

    /// The `for=` of each element of a `Forwarded` header.
    static func forwardedHops(_ header: String) -> [String] {
        header.split(separator: ",").compactMap { element in
            HeaderParameters("x;" + element)["for"]
        }
    }

    /// `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:4711` or `2001:db8::1` as an address; nil for `unknown`,
    /// obfuscated identifiers and anything else.
    static func plainAddress(_ hop: String) -> String? {
        var text = Substring(hop.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            text = text[..<colon]
        }
        let address = String(text)
        return IPNetwork.bytes(of: address) == nil ? nil : address
    }
}

/// Sets `clientAddress` on every request from the proxies the operator trusts (`HUES_TRUSTED_PROXIES`).
public struct ClientAddressMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext
    let trusted: [IPNetwork]

    public init(trusted: [IPNetwork]) {
        self.trusted = trusted
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !trusted.isEmpty else { return try await next(request, context) }
        var context = context
        context.forwardedClient = ClientAddress.resolve(peer: context.peerAddress, forwarded: request.headers[.forwarded],
                                                        forwardedFor: request.headers[.xForwardedFor], trusted: trusted)
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let forwarded = Self("Forwarded")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}
