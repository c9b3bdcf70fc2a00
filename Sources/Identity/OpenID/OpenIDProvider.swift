import Crypto
import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// The OpenID Connect provider's rules: codes, consent, token grants, ID tokens and userinfo.
public struct OpenIDProvider: Sendable {
    let database: PlatformDatabase
    let accounts: AccountDirectory
    let tokens: AccessTokens
    let refreshTokens: RefreshTokens
    public let clients: OAuthClients
    /// Codes live one minute: long enough for a redirect, too short to be worth stealing.
    let codeLifetime: TimeInterval = 60

    public init(database: PlatformDatabase, accounts: AccountDirectory, tokens: AccessTokens, refreshTokens: RefreshTokens, clients: OAuthClients) {
        self.database = database
        self.accounts = accounts
        self.tokens = tokens
        self.refreshTokens = refreshTokens
        self.clients = clients
    }

    // MARK: Consent

    /// Whether the person has already agreed to share these scopes with this client (trusted city services never ask).
    public func hasConsent(_ principal: Principal, for request: AuthorizationRequest, logger: Logger) async throws -> Bool {
        if request.client.trusted { return true }
        guard let accountID = UUID(uuidString: principal.accountID),
              let consent = try await database.sql(logger: logger).raw("""
                  SELECT scope FROM oauth_consents WHERE account_id = \(bind: accountID) AND client_id = \(bind: request.client.clientID)
                  """).first()
        else { return false }
        let granted = Set(try consent.decode(column: "scope", as: String.self).split(separator: " ").map(String.init))
        return Set(request.scopes).isSubset(of: granted)
    }

    public func recordConsent(_ principal: Principal, for request: AuthorizationRequest, logger: Logger) async throws {
        guard let accountID = UUID(uuidString: principal.accountID) else { throw Problem.unauthorized() }
        try await database.write(logger: logger) { db in
            let existing = try await ConsentRecord.query(on: db).filter(\.$accountID == accountID).filter(\.$clientID == request.client.clientID).first()
            let record = existing ?? ConsentRecord()
            let scopes = Set((existing?.scope.split(separator: " ").map(String.init) ?? []) + request.scopes)
            record.accountID = accountID
            record.clientID = request.client.clientID
            record.scope = scopes.sorted().joined(separator: " ")
            record.grantedAt = Date()
            if existing == nil {
                record.id = UUID()
                try await record.create(on: db)
            } else {
                try await record.update(on: db)
            }
            try await EventLog.append(
                try DomainEvent(type: "identity.consent.granted", actorID: principal.accountID, actorName: principal.username,
                                subject: "client:\(request.client.clientID)", payload: ["scope": request.scope]),
                on: db)
        }
    }

    // MARK: Codes

    /// Issues a single-use code for a signed-in person; returns the URI to send the browser to.
    public func issueCode(for principal: Principal, request: AuthorizationRequest, logger: Logger) async throws -> String {
        guard let accountID = UUID(uuidString: principal.accountID) else { throw Problem.unauthorized() }
        let code = TokenGenerator.make()
        let record = AuthorizationCodeRecord()
        record.id = TokenGenerator.digest(code)
        record.clientID = request.client.clientID
        record.accountID = accountID
        record.redirectURI = request.redirectURI
        record.scope = request.scope
        record.nonce = request.nonce
        record.codeChallenge = request.codeChallenge
        record.authTime = principal.authTime ?? Date()
        let assurance = Assurance.from(principal.acr)
        record.acr = assurance.rawValue
        record.amr = (principal.amr.isEmpty ? assurance.methods : principal.amr).joined(separator: " ")
        record.expiresAt = Date().addingTimeInterval(codeLifetime)
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await record.insert(on: sql)
        }
        var parameters = [("code", code)]
        if let state = request.state { parameters.append(("state", state)) }
        parameters.append(("iss", tokens.issuer))
        return AuthorizationRequest.redirect(request.redirectURI, parameters)
    }

    // MARK: Token endpoint

    public struct TokenSet: Codable, Sendable {
        public var accessToken: String
        public var tokenType = "Bearer"
        public var expiresIn: Int
        public var idToken: String?
        public var refreshToken: String?
        public var scope: String

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
            case idToken = "id_token"
            case refreshToken = "refresh_token"
            case scope
        }
    }

    /// `grant_type=authorization_code`: one use per code; a second use revokes what the first one produced.
    public func exchange(code: String, redirectURI: String?, verifier: String?, client: OAuthClient, logger: Logger) async throws -> TokenSet {
        let hash = TokenGenerator.digest(code)
        let refreshTokens = self.refreshTokens
        let outcome: Result<(AuthorizationCodeRecord, String, Account), OAuthError> = try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard let record = try await AuthorizationCodeRecord.read(codeHash: hash, on: sql) else {
                return .failure(.invalidGrant("the authorization code is unknown"))
            }
            if record.usedAt != nil {
                if let family = record.familyID { try await refreshTokens.revoke(family: family, on: db) }
                try await EventLog.append(DomainEvent(type: "identity.oauth.code-replayed", actorID: record.accountID.uuidString,
                                                      subject: "client:\(record.clientID)"), on: db)
                return .failure(.invalidGrant("the authorization code was already used; tokens issued for it are revoked"))
            }
            guard record.expiresAt > Date() else { return .failure(.invalidGrant("the authorization code has expired")) }
            guard record.clientID == client.clientID else { return .failure(.invalidGrant("the code was issued to another client")) }
            guard redirectURI == record.redirectURI else { return .failure(.invalidGrant("redirect_uri does not match the authorization request")) }
            if let challenge = record.codeChallenge {
                guard let verifier else { return .failure(.invalidGrant("code_verifier is required")) }
                guard PKCE.verify(verifier, against: challenge) else { return .failure(.invalidGrant("code_verifier does not match the code_challenge")) }
            }
            guard let account = try await AccountRecord.read(id: record.accountID, on: sql), account.status == AccountStatus.active.rawValue,
                  let person = try await Account.read(account, on: sql, logger: db.logger)
            else { return .failure(.invalidGrant("the account is not active")) }
            // Claim the code with one conditional update (as refresh tokens are): of two requests redeeming it at once,
            // only one turns used_at from NULL; the other revokes whatever the winner was issued and gets nothing.
            let familyID = UUID()
            let claimed = try await sql.raw("""
                UPDATE \(ident: AuthorizationCodeRecord.schema) SET used_at = \(bind: Date()), family_id = \(bind: familyID) \
                WHERE code_hash = \(bind: hash) AND used_at IS NULL RETURNING code_hash
                """).all()
            guard !claimed.isEmpty else {
                if let winner = try await AuthorizationCodeRecord.read(codeHash: hash, on: sql), let family = winner.familyID {
                    try await refreshTokens.revoke(family: family, on: db)
                }
                try await EventLog.append(DomainEvent(type: "identity.oauth.code-replayed", actorID: record.accountID.uuidString,
                                                      subject: "client:\(record.clientID)"), on: db)
                return .failure(.invalidGrant("the authorization code was already used; tokens issued for it are revoked"))
            }
            let grant = RefreshGrant(accountID: record.accountID, clientID: client.clientID, scope: record.scope, authTime: record.authTime,
                                     acr: record.acr, amr: record.amr)
            let refresh = try await refreshTokens.issue(grant, familyID: familyID, on: db)
            try await EventLog.append(
                try DomainEvent(type: "identity.oauth.tokens-issued", actorID: record.accountID.uuidString, actorName: account.username,
                                subject: "client:\(client.clientID)", payload: ["scope": record.scope, "acr": record.acr]),
                on: db)
            return .success((record, refresh, person))
        }
        let (record, refresh, account) = try outcome.get()
        let grant = RefreshGrant(accountID: account.id, clientID: client.clientID, scope: record.scope, authTime: record.authTime,
                                 acr: record.acr, amr: record.amr)
        return try await tokenSet(for: account, grant: grant, client: client, nonce: record.nonce, refreshToken: refresh)
    }

    /// `grant_type=refresh_token`: rotates the token; a replayed one revokes the whole family.
    public func refresh(_ token: String, requestedScope: String?, client: OAuthClient, logger: Logger) async throws -> TokenSet {
        let rotated: (grant: RefreshGrant, token: String, account: Account)
        do {
            rotated = try await refreshTokens.rotate(token, clientID: client.clientID, logger: logger)
        } catch RefreshTokens.RotationError.reused {
            throw OAuthError.invalidGrant("the refresh token was already used; every token of this sign-in is revoked")
        } catch RefreshTokens.RotationError.invalid {
            throw OAuthError.invalidGrant("the refresh token is unknown, expired, revoked or belongs to another client")
        }
        var grant = rotated.grant
        if let requestedScope {
            let requested = Set(requestedScope.split(separator: " ").map(String.init))
            let original = Set((grant.scope ?? "").split(separator: " ").map(String.init))
            guard requested.isSubset(of: original) else { throw OAuthError.invalidScope("a refresh cannot widen the original scope") }
            grant.scope = requested.sorted().joined(separator: " ")
        }
        return try await tokenSet(for: rotated.account, grant: grant, client: client, nonce: nil, refreshToken: rotated.token)
    }

    func tokenSet(for account: Account, grant: RefreshGrant, client: OAuthClient, nonce: String?, refreshToken: String) async throws -> TokenSet {
        let scopes = (grant.scope ?? "openid").split(separator: " ").map(String.init)
        var audience = [AccessTokens.userinfoAudience, client.clientID]
        if scopes.contains("hues.api") { audience.append(AccessTokens.apiAudience) }
        let access = try await tokens.issue(for: account, audience: audience, scope: grant.scope, clientID: client.clientID, authTime: grant.authTime)
        let now = tokens.wholeSecondNow()
        let claims = IDTokenClaims(
            iss: .init(value: tokens.issuer), sub: .init(value: account.id.uuidString), aud: .init(value: [client.clientID]),
            exp: .init(value: now.addingTimeInterval(Double(tokens.lifetimeSeconds))), iat: .init(value: now),
            authTime: Int((grant.authTime ?? now).timeIntervalSince1970), nonce: nonce, atHash: Self.atHash(access.token),
            acr: grant.acr ?? Assurance.password.rawValue, amr: (grant.amr ?? "pwd").split(separator: " ").map(String.init), azp: client.clientID,
            sid: nil,
            name: scopes.contains("profile") ? account.displayName : nil,
            preferredUsername: scopes.contains("profile") ? account.username : nil,
            email: scopes.contains("email") ? account.email : nil,
            phoneNumber: scopes.contains("phone") ? account.phone : nil
        )
        return TokenSet(accessToken: access.token, expiresIn: access.expiresIn, idToken: try await tokens.sign(claims), refreshToken: refreshToken,
                        scope: grant.scope ?? "openid")
    }

    /// OIDC Core §3.1.3.6: the left half of SHA-256 of the access token, base64url.
    static func atHash(_ accessToken: String) -> String {
        Data(Data(SHA256.hash(data: Data(accessToken.utf8))).prefix(16)).base64URLEncoded
    }

    // MARK: Userinfo

    /// Claims about the person behind an access token, limited to the scopes the token carries.
    public func userinfo(accessToken: String, logger: Logger) async throws -> [String: String] {
        let claims = try await tokens.verifiedClaims(accessToken, audience: AccessTokens.userinfoAudience, logger: logger)
        let scopes = Set((claims.scope ?? "").split(separator: " ").map(String.init))
        guard scopes.contains("openid"), let id = UUID(uuidString: claims.sub.value),
              let account = try await accounts.find(id: id, logger: logger), account.status == .active
        else { throw Problem.unauthorized("The access token does not allow reading the user's profile.") }
        var info = ["sub": account.id.uuidString]
        if scopes.contains("profile") {
            info["name"] = account.displayName
            info["preferred_username"] = account.username
        }
        if scopes.contains("email"), let email = account.email {
            info["email"] = email
            info["email_verified"] = "false"
        }
        if scopes.contains("phone"), let phone = account.phone { info["phone_number"] = phone }
        return info
    }

    // MARK: Logout

    /// The client named by an ID token hint (its signature is checked; its age is not, as the specification allows).
    public func clientForIDTokenHint(_ hint: String, logger: Logger) async throws -> (client: OAuthClient, subject: String)? {
        guard let claims = try? await tokens.verifySignature(hint, as: IDTokenClaims.self, logger: logger), claims.iss.value == tokens.issuer,
              let clientID = claims.aud.value.first, let client = try await clients.find(clientID, logger: logger)
        else { return nil }
        return (client, claims.sub.value)
    }
}
