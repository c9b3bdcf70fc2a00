import Crypto
import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// The platform's application-server key for Web Push (VAPID, RFC 8292): browsers bind each subscription to its public
/// half, and push services accept messages only with a token it signed. One key for the whole platform, made on first
/// use and kept sealed under the master key, so every instance signs with the same key and subscriptions survive
/// restarts.
public struct VapidKey: Sendable {
    let key: P256.Signing.PrivateKey

    /// The public key as browsers take it (`applicationServerKey`): the uncompressed point, base64url.
    public var publicKey: String { key.publicKey.x963Representation.base64URLEncoded }

    /// The `Authorization` header for a message to `endpoint`: a JWT for the push service's origin, valid 12 hours.
    public func authorization(for endpoint: String, subject: String, now: Date = Date()) throws -> String {
        guard let url = URLComponents(string: endpoint), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else {
            throw Problem.badRequest("The push endpoint is not a URL.")
        }
        // The origin as the push service writes it: no default port, IPv6 in brackets.
        let defaultPort = scheme == "https" ? 443 : 80
        let port = url.port.flatMap { $0 == defaultPort ? nil : ":\($0)" } ?? ""
        let audience = "\(scheme)://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host)\(port)"
        let header = #"{"typ":"JWT","alg":"ES256"}"#
        let claims = try JSONSerialization.data(withJSONObject: ["aud": audience, "exp": Int(now.timeIntervalSince1970) + 12 * 3600, "sub": subject],
                                                options: [.sortedKeys, .withoutEscapingSlashes])
        let signingInput = Data(header.utf8).base64URLEncoded + "." + claims.base64URLEncoded
        let signature = try key.signature(for: Data(signingInput.utf8)).rawRepresentation
        return "vapid t=\(signingInput).\(signature.base64URLEncoded), k=\(publicKey)"
    }
}

/// Loads the VAPID key, making it the first time (the first instance to insert wins; the others read its key).
public final class VapidKeys: Sendable {
    static let table = "push_server_keys"
    private static let purpose = "vapid-key"

    let database: PlatformDatabase
    let secrets: SecretBox
    private let loaded = Mutex<VapidKey?>(nil)

    public init(database: PlatformDatabase, secrets: SecretBox) {
        self.database = database
        self.secrets = secrets
    }

    public func current(logger: Logger) async throws -> VapidKey {
        if let key = loaded.withLock({ $0 }) { return key }
        if let key = try await read(logger: logger) { return remember(key) }
        let fresh = P256.Signing.PrivateKey()
        let sealed = try secrets.seal(fresh.rawRepresentation, purpose: Self.purpose)
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("""
                INSERT INTO push_server_keys (id, private_key_sealed, created_at) VALUES ('vapid', \(bind: sealed), \(bind: Date()))
                ON CONFLICT (id) DO NOTHING
                """).run()
        }
        guard let key = try await read(logger: logger) else {
            logger.error("the VAPID key was written but cannot be read back")
            throw Problem.internal()
        }
        return remember(key)
    }

    private func remember(_ key: VapidKey) -> VapidKey {
        loaded.withLock { $0 = key }
        return key
    }

    private func read(logger: Logger) async throws -> VapidKey? {
        guard let sql = try database.db(logger: logger) as? any SQLDatabase else { throw Problem.internal() }
        guard let row = try await sql.raw("SELECT private_key_sealed FROM push_server_keys WHERE id = 'vapid'").first() else { return nil }
        do {
            let raw = try secrets.open(try row.decode(column: "private_key_sealed", as: String.self), purpose: Self.purpose)
            return VapidKey(key: try P256.Signing.PrivateKey(rawRepresentation: raw))
        } catch {
            // A key sealed under another master key, or damaged: push cannot work until an operator fixes it; say so.
            logger.error("the stored VAPID key cannot be opened", metadata: ["error": "\(error)"])
            throw Problem.internal()
        }
    }
}
