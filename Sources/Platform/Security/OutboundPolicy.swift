import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the platform may send requests on someone else's say-so (webhook subscribers): public addresses only,
/// unless the operator names private networks (`HUES_WEBHOOK_ALLOWED_NETWORKS`). Checked after DNS resolution and
/// on every connection, so a name that later resolves to 127.0.0.1 or 169.254.169.254 is still refused.
public struct OutboundPolicy: Sendable {
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// The name did not resolve (now): unlike a refusal, worth trying again later.
    public struct Unresolved: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public let allowedPrivateNetworks: [IPNetwork]
    /// Plain http only to addresses on the allowed networks (checked after every resolution), https everywhere else.
    public let plainHTTPOnlyOnAllowedNetworks: Bool
    let unrestricted: Bool

    public init(allowedPrivateNetworks: [IPNetwork], plainHTTPOnlyOnAllowedNetworks: Bool = false) {
        self.allowedPrivateNetworks = allowedPrivateNetworks
        self.plainHTTPOnlyOnAllowedNetworks = plainHTTPOnlyOnAllowedNetworks
        self.unrestricted = false
    }

    private init(unrestricted: Bool) {
        self.allowedPrivateNetworks = []
        self.plainHTTPOnlyOnAllowedNetworks = false
        self.unrestricted = unrestricted
    }

    /// For the operator's own tools (the demo bank posting to a server it was pointed at), never for user input.
    public static let unrestricted = OutboundPolicy(unrestricted: true)

    /// The host of an http(s) URL without user info; a refusal for anything else.
    public func host(of url: String) throws -> String {
        guard url.utf8.count <= 2048, let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty
        else { throw Refusal(description: "must be an http(s) URL with a host") }
        guard components.user == nil, components.password == nil else { throw Refusal(description: "must not carry a user name or password") }
        return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    public func permits(address: String) -> Bool {
        unrestricted || !IPNetwork.nonPublic.contains { $0.contains(address) } || allowedPrivateNetworks.contains { $0.contains(address) }
    }

    /// The host and one address to connect to: every address the name resolves to must be permitted (a name with one
    /// public and one private address could otherwise be steered to the private one).
    public func vet(_ url: String) async throws -> (host: String, address: String) {
        let host = try host(of: url)
        let addresses = await Self.resolve(host)
        guard let first = addresses.first else { throw Unresolved(description: "the host '\(host)' does not resolve") }
        if let refused = addresses.first(where: { !permits(address: $0) }) {
            throw Refusal(description: "'\(host)' resolves to \(refused), a private or reserved address")
        }
        if plainHTTPOnlyOnAllowedNetworks, url.lowercased().hasPrefix("http:"),
           !addresses.allSatisfy({ address in allowedPrivateNetworks.contains { $0.contains(address) } }) {
            throw Refusal(description: "plain http is allowed only to the networks the operator named")
        }
        return (host, first)
    }

    /// The addresses a name resolves to (getaddrinfo, off the cooperative threads since it blocks).
    public static func resolve(_ host: String) async -> [String] {
        if IPNetwork.bytes(of: host) != nil { return [host] }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: lookup(host)) }
        }
    }

    private static func lookup(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let address = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(address) { addresses.append(address) }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
