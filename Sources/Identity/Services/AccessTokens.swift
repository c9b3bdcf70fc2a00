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

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, jti, name, roles
        case preferredUsername = "preferred_username"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: AccessTokens.audience)
    }
}

/// Issues and checks access tokens with ES256 keys kept (sealed by the master key) in the database, so every app
/// instance signs and verifies with the same keys. Old keys stay usable for verification until retired.
public final class AccessTokens: Sendable {
    static let audience = "hues-api"

    let database: PlatformDatabase
    let secrets: SecretBox
    let issuer: String
    let lifetime: Duration
    private let keys = JWTKeyCollection()
    private let state = Mutex<(signingKid: String?, known: Set<String>)>((nil, []))

    public init(database: PlatformDatabase, secrets: SecretBox, issuer: String, lifetime: Duration) {
        self.database = database
        self.secrets = secrets
        self.issuer = issuer
        self.lifetime = lifetime
    }

    public var lifetimeSeconds: Int { Int(lifetime.components.seconds) }

    /// Loads the signing keys, creating the first one if there is none.
    public func prepare(logger: Logger) async throws {
        if try await SigningKeyRecord.query(on: try database.db(logger: logger)).filter(\.$retiredAt == nil).count() == 0 {
            let key = P256.Signing.PrivateKey()
            let record = SigningKeyRecord()
            record.id = Data(SHA256.hash(data: key.publicKey.derRepresentation)).base64URLEncoded.prefix(16).description
            record.algorithm = "ES256"
            record.privateKeySealed = try secrets.seal(Data(key.pemRepresentation.utf8), purpose: "jwt-signing-key")
            record.createdAt = Date()
            try await database.write(logger: logger) { db in
                if try await SigningKeyRecord.query(on: db).filter(\.$retiredAt == nil).count() == 0 {
                    try await record.create(on: db)
                    try await EventLog.append(DomainEvent(type: "identity.signing-key.created", actorName: Actor.system.name,
                                                          subject: "signing-key:\(record.id ?? "")"), on: db)
                }
            }
        }
        try await reloadKeys(logger: logger)
    }

    private func reloadKeys(logger: Logger) async throws {
        let records = try await SigningKeyRecord.query(on: try database.db(logger: logger)).sort(\.$createdAt).all()
        var newest: String?
        var known: Set<String> = []
        for record in records {
            guard let kid = record.id else { continue }
            let pem = String(decoding: try secrets.open(record.privateKeySealed, purpose: "jwt-signing-key"), as: UTF8.self)
            await keys.add(ecdsa: try ES256PrivateKey(pem: pem), kid: JWKIdentifier(string: kid))
            known.insert(kid)
            if record.retiredAt == nil { newest = kid }
        }
        state.withLock { $0 = (newest, known) }
    }

    public struct Issued: Sendable {
        public var token: String
        public var expiresIn: Int
    }

    public func issue(for account: Account) async throws -> Issued {
        guard let kid = state.withLock({ $0.signingKid }) else { throw Problem.internal() }
        // Whole seconds: NumericDate may be fractional, but some relying parties only accept integers.
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let claims = AccessClaims(
            iss: .init(value: issuer), sub: .init(value: account.id.uuidString), aud: .init(value: [Self.audience]),
            exp: .init(value: now.addingTimeInterval(Double(lifetimeSeconds))), iat: .init(value: now),
            jti: .init(value: TokenGenerator.make(bytes: 12)), name: account.displayName, preferredUsername: account.username,
            roles: account.roles.map(\.claim)
        )
        return Issued(token: try await keys.sign(claims, kid: JWKIdentifier(string: kid)), expiresIn: lifetimeSeconds)
    }

    /// The principal an access token speaks for; any defect (forged, expired, wrong issuer or audience) is a 401.
    public func verify(_ token: String, logger: Logger) async throws -> Principal {
        let claims: AccessClaims
        do {
            claims = try await keys.verify(token, as: AccessClaims.self)
        } catch let error as JWTError where error.errorType == .unknownKID {
            // Another instance may have rotated in a key this one has not seen yet.
            try await reloadKeys(logger: logger)
            guard let retried = try? await keys.verify(token, as: AccessClaims.self) else {
                throw Problem.unauthorized("The access token is invalid.")
            }
            claims = retried
        } catch {
            throw Problem.unauthorized("The access token is invalid or has expired.")
        }
        guard claims.iss.value == issuer else { throw Problem.unauthorized("The access token was issued by someone else.") }
        let grants = claims.roles.compactMap { text -> RoleGrant? in
            let parts = text.split(separator: "@", maxSplits: 1)
            guard let role = Role(rawValue: String(parts[0])) else { return nil }
            return RoleGrant(role: role, unitCode: parts.count > 1 ? String(parts[1]) : nil)
        }
        return Principal(accountID: claims.sub.value, username: claims.preferredUsername, displayName: claims.name, grants: grants,
                         credential: .accessToken)
    }
}
