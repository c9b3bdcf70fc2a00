import AsyncHTTPClient
import Foundation
import NIOCore

/// A POST to an address someone else gave the platform (a webhook subscriber, a browser's push service): the URL is
/// vetted against the outbound policy after resolving it, the connection goes to the vetted address only (TLS still
/// checks the host name), and no redirect is followed (a 3xx is an answer like any other).
public struct OutboundHTTP: Sendable {
    public let policy: OutboundPolicy

    public init(policy: OutboundPolicy) {
        self.policy = policy
    }

    /// The status and at most 64 KiB of the answer, as text.
    public func post(url: String, headers: [(String, String)], body: Data) async throws -> (status: Int, body: String) {
        let (host, address) = try await policy.vet(url)
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(5), read: .seconds(10)), decompression: .disabled)
        if host != address { configuration.dnsOverride = [host: address] }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: body))
        return try await HTTPClient.withHTTPClient(configuration: configuration) { client in
            let response = try await client.execute(request, timeout: .seconds(15))
            // The status is the answer; a body cut short or garbled only loses the detail shown beside it.
            let text: String
            do {
                text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
            } catch {
                text = "(answer unreadable: \(error))"
            }
            return (Int(response.status.code), text)
        }
    }
}
