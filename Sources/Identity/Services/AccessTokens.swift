import Crypto
import FluentKit
import Foundation
import JWTKit
import Logging
import Platform
import Synchronization

/// The claims of a platform access token (a short-lived ES256 JWT).
struct AccessClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var jti: IDClaim
    var name: String
    var preferredUsername: String
    /// `role` or `role@unit`.
    var roles: [String]
    /// Set on tokens issued to relying parties: what they may do, and for whom they were issued.
    var scope: String?
    var clientID: String?
    /// When the person last proved who they are (seconds since 1970): signing needs a recent one.
    var authTime: Int?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, jti, name, roles, scope
        case preferredUsername = "preferred_username"
        case clientID = "client_id"
        case authTime = "auth_time"
    }

    /// Expiry is checked by `AccessTokens` against its own clock (tests move it instead of waiting).
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The claims of an OpenID Connect ID token.
struct IDTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var authTime: Int
    var nonce: String?
    var atHash: String?
    var acr: String
    var amr: [String]
    var azp: String
    var sid: String?
    var name: String?
    var preferredUsername: String?
    var email: String?
    var phoneNumber: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, acr, amr, azp, sid, name, email
        case authTime = "auth_time"
        case atHash = "at_hash"
        case preferredUsername = "preferred_username"
        case phoneNumber = "phone_number"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and checks the platform's JWTs (access tokens and ID tokens) with ES256 keys kept, sealed by the master
/// key, in the database, so every app instance signs and verifies with the same keys. A rotated-out key stays
/// published and usable for verification until every token it signed has expired.
public final class AccessTokens: Sendable {
    /// Audiences: the platform API, and the OpenID Connect userinfo endpoint.
    public static let apiAudience = "hues-api"
    public static let userinfoAudience = "hues-userinfo"

    let database: PlatformDatabase
    let secrets: SecretBox
    public let issuer: String
    let lifetime: Duration
    private let keys = Mutex(JWTKeyCollection())
    private let state = Mutex<(signingKid: String?, published: [PublishedKey])>((nil, []))
    /// When keys were last read from the database; unknown key ids trigger a re-read at most this often, so forged
    /// tokens with random `kid`s cannot turn into a database query each.
    private let lastReload = Mutex<ContinuousClock.Instant?>(nil)
    /// Tokens already verified, until they expire: an ES256 verification costs far more than the rest of a request,
    /// and a client sends the same token many times. Keyed by the whole token, so only an identical token hits.
    private let verified = Mutex<[String: VerifiedToken]>([:])
    static let verifiedCacheLimit = 20_000
    /// When the keys were last read; signing re-reads them now and then to pick up a rotation made by another instance.
    private let keysLoadedAt = Mutex<ContinuousClock.Instant?>(nil)

    struct VerifiedToken: Sendable {
        var claims: AccessClaims
        var principal: Principal
    }

    struct PublishedKey: Sendable {
        var kid: String
        var x: String
        var y: String
    }

    /// What time it is: the system clock, or a test's.
    let clock: @Sendable () -> Date
    /// Accounts disabled or erased since their tokens were issued.
    let revocations: AccountRevocations

    public init(database: PlatformDatabase, secrets: SecretBox, issuer: String, lifetime: Duration, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.secrets = secrets
        self.issuer = issuer
        self.lifetime = lifetime
        self.clock = clock
        self.revocations = AccountRevocations(database: database, clock: clock)
    }

    public var lifetimeSeconds: Int { Int(lifetime.components.seconds) }

    /// How long a retired key stays published: longer than any token it signed can live.
    var retiredKeyGrace: TimeInterval { Double(lifetimeSeconds) + 3600 }

    /// Loads the signing keys, creating the first one if there is none.
    public func prepare(logger: Logger) async throws {
        if try await SigningKeyRecord.query(on: try database.db(logger: logger)).filter(\.$retiredAt == nil).count() == 0 {
            try await database.write(logger: logger) { db in
                if try await SigningKeyRecord.query(on: db).filter(\.$retiredAt == nil).count() == 0 {
                    try await self.createKey(on: db)
                }
            }
        }
        try await reloadKeys(logger: logger)
    }

    /// Starts signing with a new key; the old one stays published until its tokens have expired.
    @discardableResult
    public func rotate(by actor: Actor, logger: Logger) async throws -> String {
        let kid = try await database.write(logger: logger) { db in
            try await SigningKeyRecord.query(on: db).filter(\.$retiredAt == nil).set(\.$retiredAt, to: Date()).update()
            let kid = try await self.createKey(on: db)
            try await EventLog.append(DomainEvent(type: "identity.signing-key.rotated", actorID: actor.id, actorName: actor.name,
                                                  subject: "signing-key:\(kid)"), on: db)
            return kid
        }
        try await reloadKeys(logger: logger)
        return kid
    }

    @discardableResult
    private func createKey(on db: any Database) async throws -> String {
        let key = P256.Signing.PrivateKey()
        let record = SigningKeyRecord()
        let kid = String(Data(SHA256.hash(data: key.publicKey.derRepresentation)).base64URLEncoded.prefix(16))
        record.id = kid
        record.algorithm = "ES256"
        record.privateKeySealed = try secrets.seal(Data(key.pemRepresentation.utf8), purpose: "jwt-signing-key")
        record.createdAt = Date()
        try await record.create(on: db)
        return kid
    }

    private func reloadKeys(logger: Logger) async throws {
        let cutoff = Date().addingTimeInterval(-retiredKeyGrace)
        let records = try await SigningKeyRecord.query(on: try database.db(logger: logger)).sort(\.$createdAt).all()
        let collection = JWTKeyCollection()
        var newest: String?
        var published: [PublishedKey] = []
        for record in records {
            guard let kid = record.id else { continue }
            if let retired = record.retiredAt, retired < cutoff { continue }
            let pem = String(decoding: try secrets.open(record.privateKeySealed, purpose: "jwt-signing-key"), as: UTF8.self)
            await collection.add(ecdsa: try ES256PrivateKey(pem: pem), kid: JWKIdentifier(string: kid))
            let point = try P256.Signing.PrivateKey(pemRepresentation: pem).publicKey.rawRepresentation
            published.append(PublishedKey(kid: kid, x: Data(point.prefix(32)).base64URLEncoded, y: Data(point.suffix(32)).base64URLEncoded))
            if record.retiredAt == nil { newest = kid }
        }
        keys.withLock { $0 = collection }
        state.withLock { $0 = (newest, published) }
        keysLoadedAt.withLock { $0 = .now }
    }

    /// The public keys as a JWK Set (RFC 7517), for relying parties to verify ID tokens.
    public func jwks() -> [String: [[String: String]]] {
        ["keys": state.withLock { $0.published }.map { ["kty": "EC", "crv": "P-256", "x": $0.x, "y": $0.y, "kid": $0.kid, "use": "sig", "alg": "ES256"] }]
    }

    public struct Issued: Sendable {
        public var token: String
        public var expiresIn: Int
    }

    /// An access token for the platform API (sign-in with a password).
    public func issue(for account: Account, authTime: Date? = nil) async throws -> Issued {
        try await issue(for: account, audience: [Self.apiAudience], scope: nil, clientID: nil, authTime: authTime)
    }

    /// An access token with the given audiences; tokens for relying parties carry their scope and client.
    public func issue(for account: Account, audience: [String], scope: String?, clientID: String?, authTime: Date? = nil) async throws -> Issued {
        let now = wholeSecondNow()
        let claims = AccessClaims(
            iss: .init(value: issuer), sub: .init(value: account.id.uuidString), aud: .init(value: audience),
            exp: .init(value: now.addingTimeInterval(Double(lifetimeSeconds))), iat: .init(value: now),
            jti: .init(value: TokenGenerator.make(bytes: 12)), name: account.displayName, preferredUsername: account.username,
            roles: account.roles.map(\.claim), scope: scope, clientID: clientID, authTime: authTime.map { Int($0.timeIntervalSince1970) }
        )
        return Issued(token: try await sign(claims), expiresIn: lifetimeSeconds)
    }

    func sign(_ payload: some JWTPayload, logger: Logger = Logger(label: "hues.tokens")) async throws -> String {
        if keysLoadedAt.withLock({ $0.map { $0.duration(to: .now) > .seconds(300) } ?? true }) {
            try await reloadKeys(logger: logger)
        }
        guard let kid = state.withLock({ $0.signingKid }) else { throw Problem.internal() }
        return try await keys.withLock { $0 }.sign(payload, kid: JWKIdentifier(string: kid))
    }

    /// Whole seconds: NumericDate may be fractional, but some relying parties only accept integers.
    func wholeSecondNow() -> Date { Date(timeIntervalSince1970: clock().timeIntervalSince1970.rounded(.down)) }

    /// The principal an API access token speaks for; any defect (forged, expired, wrong issuer or audience) is a 401.
    public func verify(_ token: String, logger: Logger) async throws -> Principal {
        let entry = try await verifiedToken(token, audience: Self.apiAudience, logger: logger)
        // A token issued to a relying party opens the API only through the `hues.api` scope the person consented to,
        // whatever its audience says.
        if entry.claims.clientID != nil, !(entry.claims.scope ?? "").split(separator: " ").contains("hues.api") {
            throw Problem.unauthorized("This access token was issued to a service without the hues.api scope.")
        }
        return entry.principal
    }

    func verifiedClaims(_ token: String, audience: String, logger: Logger) async throws -> AccessClaims {
        try await verifiedToken(token, audience: audience, logger: logger).claims
    }

    private func verifiedToken(_ token: String, audience: String, logger: Logger) async throws -> VerifiedToken {
        let now = clock()
        let entry: VerifiedToken
        if let cached = verified.withLock({ $0[token] }), cached.claims.exp.value > now {
            entry = cached
        } else {
            let claims = try await verifySignature(token, as: AccessClaims.self, logger: logger)
            entry = VerifiedToken(claims: claims, principal: Self.principal(from: claims))
            verified.withLock { cache in
                if cache.count >= Self.verifiedCacheLimit {
                    cache = cache.filter { $0.value.claims.exp.value > now }
                    if cache.count >= Self.verifiedCacheLimit { cache.removeAll(keepingCapacity: true) }
                }
                cache[token] = entry
            }
        }
        // Expiry, issuer and audience are checked on every use, so a token cached for one endpoint opens no other.
        guard entry.claims.exp.value > now else { throw Problem.unauthorized("The access token has expired.") }
        guard entry.claims.iss.value == issuer else { throw Problem.unauthorized("The access token was issued by someone else.") }
        guard entry.claims.aud.value.contains(audience) else { throw Problem.unauthorized("The access token is not meant for this endpoint.") }
        if try await revocations.isRevoked(entry.principal.accountID, issuedAt: entry.claims.iat.value, logger: logger) {
            throw Problem.unauthorized("This account has been disabled or erased since the token was issued.")
        }
        return entry
    }

    /// Checks the signature (with a bounded re-read of keys for a `kid` another instance may have just created).
    func verifySignature<Payload: JWTPayload>(_ token: String, as type: Payload.Type, logger: Logger) async throws -> Payload {
        do {
            return try await keys.withLock { $0 }.verify(token, as: Payload.self)
        } catch let error as JWTError where error.errorType == .unknownKID {
            let due = lastReload.withLock { last -> Bool in
                guard last.map({ $0.duration(to: .now) > .seconds(30) }) ?? true else { return false }
                last = .now
                return true
            }
            guard due else { throw Problem.unauthorized("The access token is invalid.") }
            try await reloadKeys(logger: logger)
            guard let retried = try? await keys.withLock({ $0 }).verify(token, as: Payload.self) else {
                throw Problem.unauthorized("The access token is invalid.")
            }
            return retried
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            // Not an expired or garbled token: one signed with a key this city does not hold. The SOC hears of it.
            throw Problem(status: .unauthorized, type: "token-signature-invalid", title: "Invalid token",
                          detail: "The access token's signature does not verify.")
        } catch {
            throw Problem.unauthorized("The access token is invalid or has expired.")
        }
    }

    static func principal(from claims: AccessClaims) -> Principal {
        let grants = claims.roles.compactMap { text -> RoleGrant? in
            let parts = text.split(separator: "@", maxSplits: 1)
            guard let role = Role(rawValue: String(parts[0])) else { return nil }
            return RoleGrant(role: role, unitCode: parts.count > 1 ? String(parts[1]) : nil)
        }
        return Principal(accountID: claims.sub.value, username: claims.preferredUsername, displayName: claims.name, grants: grants,
                         credential: .accessToken, authTime: claims.authTime.map { Date(timeIntervalSince1970: Double($0)) },
                         clientID: claims.clientID)
    }
}
