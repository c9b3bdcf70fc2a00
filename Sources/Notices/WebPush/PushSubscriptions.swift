import Crypto
import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

enum PushSubscriptionRecord {
    static let schema = "push_subscriptions"
}

/// A browser that receives a person's notices, as its owner sees it.
public struct PushSubscription: Codable, Sendable, Equatable {
    public var id: UUID
    public var endpoint: String
    public var language: String
    public var createdAt: Date
}

/// What a browser's `PushSubscription.toJSON()` gives (the W3C Push API), as it arrives.
package struct PushSubscriptionInput: Decodable, Sendable {
    package struct Keys: Decodable, Sendable {
        package var p256dh: String
        package var auth: String
    }

    package var endpoint: String
    package var keys: Keys
}

/// A subscription checked at the edge: an endpoint the platform may call, a real P-256 point, a 16-byte secret.
package struct ValidPushSubscription: Sendable {
    package static let maximumEndpointLength = 2048

    package let endpoint: String
    let receiverKey: P256.KeyAgreement.PublicKey
    package let authSecret: Data

    package init(_ input: PushSubscriptionInput, allowPlainHTTP: Bool) throws {
        var errors: [Problem.FieldError] = []
        let endpoint = input.endpoint
        if endpoint.utf8.count <= Self.maximumEndpointLength, let url = URLComponents(string: endpoint),
           url.scheme == "https" || (allowPlainHTTP && url.scheme == "http"), url.host?.isEmpty == false, url.user == nil, url.password == nil {
            self.endpoint = endpoint
        } else {
            self.endpoint = ""
            errors.append(.init(field: "endpoint", message: "must be the https URL of a push service, at most \(Self.maximumEndpointLength) bytes"))
        }
        if let raw = input.keys.p256dh.utf8.count <= 128 ? Data(base64URLEncoded: input.keys.p256dh) : nil,
           let key = try? P256.KeyAgreement.PublicKey(x963Representation: raw), raw.count == 65 {
            self.receiverKey = key
        } else {
            self.receiverKey = P256.KeyAgreement.PrivateKey().publicKey
            errors.append(.init(field: "keys.p256dh", message: "must be an uncompressed P-256 public key, base64url"))
        }
        if let secret = input.keys.auth.utf8.count <= 32 ? Data(base64URLEncoded: input.keys.auth) : nil, secret.count == 16 {
            self.authSecret = secret
        } else {
            self.authSecret = Data()
            errors.append(.init(field: "keys.auth", message: "must be 16 bytes, base64url"))
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
    }
}

/// A stored subscription, as the push channel needs it.
struct StoredPushSubscription: Sendable {
    let id: UUID
    let accountID: String
    let endpoint: String
    let receiverKey: P256.KeyAgreement.PublicKey
    let authSecret: Data
    let language: String
}

/// The browsers each person subscribed (at most ten: a new one pushes the oldest out).
public struct PushSubscriptions: Sendable {
    static let perAccount = 10

    let database: PlatformDatabase
    let policy: OutboundPolicy
    let allowPlainHTTP: Bool

    /// Adds or renews a subscription. An endpoint already known stays with its account unless the caller shows the
    /// same browser keys (the same browser, now used by someone else): then it moves, and what was still waiting for
    /// the previous person is not sent to it.
    func subscribe(_ input: PushSubscriptionInput, accountID: String, language: String, logger: Logger) async throws -> PushSubscription {
        let valid = try ValidPushSubscription(input, allowPlainHTTP: allowPlainHTTP)
        do {
            _ = try await policy.vet(valid.endpoint)
        } catch let error as OutboundPolicy.Refusal {
            // The detail (which address a name resolves to) is for the operator, not for whoever asked.
            logger.notice("push subscription refused", metadata: ["reason": "\(error.description)"])
            throw Problem.validation([.init(field: "endpoint", message: "the platform does not send notices to this address")])
        } catch is OutboundPolicy.Unresolved {
            throw Problem.validation([.init(field: "endpoint", message: "the push service's host name does not resolve")])
        }
        let keys = (p256dh: valid.receiverKey.x963Representation.base64URLEncoded, auth: valid.authSecret.base64URLEncoded)
        let now = Date()
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            if let known = try await sql.raw("""
                SELECT id, account_id, p256dh, auth FROM push_subscriptions WHERE endpoint = \(bind: valid.endpoint)
                """).first() {
                let id = try known.decode(column: "id", as: UUID.self)
                let sameBrowser = try known.decode(column: "p256dh", as: String.self) == keys.p256dh
                    && known.decode(column: "auth", as: String.self) == keys.auth
                if try known.decode(column: "account_id", as: String.self) == accountID {
                    try await sql.raw("""
                        UPDATE push_subscriptions SET p256dh = \(bind: keys.p256dh), auth = \(bind: keys.auth), language = \(bind: language),
                            created_at = \(bind: now) WHERE id = \(bind: id)
                        """).run()
                } else {
                    guard sameBrowser else { throw Problem.conflict("Another browser is subscribed with this push endpoint.") }
                    try await Self.remove(id, because: "the browser was subscribed by someone else", on: sql)
                    try await insert(valid.endpoint, keys: keys, accountID: accountID, language: language, at: now, on: sql)
                }
            } else {
                try await insert(valid.endpoint, keys: keys, accountID: accountID, language: language, at: now, on: sql)
            }
            try await sql.raw("""
                DELETE FROM push_subscriptions WHERE account_id = \(bind: accountID) AND id NOT IN
                    (SELECT id FROM push_subscriptions WHERE account_id = \(bind: accountID) ORDER BY created_at DESC LIMIT \(unsafeRaw: String(Self.perAccount)))
                """).run()
            guard let row = try await sql.raw("""
                SELECT id, endpoint, language, created_at FROM push_subscriptions WHERE endpoint = \(bind: valid.endpoint)
                """).first()
            else { throw Problem.internal() }
            return try Self.subscription(row)
        }
    }

    private func insert(_ endpoint: String, keys: (p256dh: String, auth: String), accountID: String, language: String, at now: Date,
                        on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO push_subscriptions (id, account_id, endpoint, p256dh, auth, language, created_at)
            VALUES (\(bind: UUID()), \(bind: accountID), \(bind: endpoint), \(bind: keys.p256dh), \(bind: keys.auth), \(bind: language), \(bind: now))
            """).run()
    }

    /// Deletes a subscription and fails what was still waiting for it.
    private static func remove(_ id: UUID, because reason: String, on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM push_subscriptions WHERE id = \(bind: id)").run()
        try await sql.raw("""
            UPDATE notice_deliveries SET status = 'failed', last_error = \(bind: reason), updated_at = \(bind: Date())
            WHERE subscription_id = \(bind: id) AND status = 'created'
            """).run()
    }

    func list(accountID: String, logger: Logger) async throws -> [PushSubscription] {
        guard let sql = try database.db(logger: logger) as? any SQLDatabase else { throw Problem.internal() }
        return try await sql.raw("""
            SELECT id, endpoint, language, created_at FROM push_subscriptions WHERE account_id = \(bind: accountID) ORDER BY created_at DESC
            """).all().map { try Self.subscription($0) }
    }

    /// Removes one of the person's subscriptions; someone else's is "not found", never "forbidden".
    func remove(_ id: UUID, accountID: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let removed = try await sql.raw("""
                DELETE FROM push_subscriptions WHERE id = \(bind: id) AND account_id = \(bind: accountID) RETURNING id
                """).all()
            guard !removed.isEmpty else { throw Problem.notFound("No such push subscription.") }
        }
    }

    /// The subscriptions a new notice for `accountID` goes to, read in the poster's transaction.
    static func ids(of accountID: String, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.raw("SELECT id FROM push_subscriptions WHERE account_id = \(bind: accountID)").all()
            .map { try $0.decode(column: "id", as: UUID.self) }
    }

    func find(_ id: UUID, logger: Logger) async throws -> StoredPushSubscription? {
        guard let sql = try database.db(logger: logger) as? any SQLDatabase else { throw Problem.internal() }
        guard let row = try await sql.raw("SELECT account_id, endpoint, p256dh, auth, language FROM push_subscriptions WHERE id = \(bind: id)").first()
        else { return nil }
        let p256dh = try row.decode(column: "p256dh", as: String.self)
        let auth = try row.decode(column: "auth", as: String.self)
        guard let point = Data(base64URLEncoded: p256dh), let key = try? P256.KeyAgreement.PublicKey(x963Representation: point),
              let secret = Data(base64URLEncoded: auth), secret.count == 16
        else {
            logger.error("a stored push subscription has damaged keys", metadata: ["subscription": "\(id)"])
            throw NoticeChannelFailure.permanent("the subscription's stored keys are damaged")
        }
        return StoredPushSubscription(id: id, accountID: try row.decode(column: "account_id", as: String.self),
                                      endpoint: try row.decode(column: "endpoint", as: String.self), receiverKey: key,
                                      authSecret: secret, language: try row.decode(column: "language", as: String.self))
    }

    /// The push service says the subscription is gone (404/410): forget it, and fail what was still waiting for it.
    /// Only the subscription that was sent to: a renewal with new keys that landed meanwhile stays.
    func forget(_ subscription: StoredPushSubscription, because reason: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let current = try await sql.raw("""
                SELECT id FROM push_subscriptions WHERE id = \(bind: subscription.id) AND auth = \(bind: subscription.authSecret.base64URLEncoded)
                """).first()
            if current != nil { try await Self.remove(subscription.id, because: reason, on: sql) }
        }
    }

    private static func subscription(_ row: some SQLRow) throws -> PushSubscription {
        PushSubscription(id: try row.decode(column: "id", as: UUID.self), endpoint: try row.decode(column: "endpoint", as: String.self),
                         language: try row.decode(column: "language", as: String.self), createdAt: try row.decode(column: "created_at", as: Date.self))
    }
}
