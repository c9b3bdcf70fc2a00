import FluentKit
import Foundation
import Hummingbird
import Logging
import Platform
import Web

/// A national identity linked to a local account.
final class UpstreamIdentityRecord: Model, @unchecked Sendable {
    static let schema = "upstream_identities"

    @ID(key: .id) var id: UUID?
    @Field(key: "issuer") var issuer: String
    @Field(key: "subject") var subject: String
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "level") var level: Int
    @Field(key: "linked_at") var linkedAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date

    init() {}
}

struct CreateUpstreamIdentities: AsyncMigration {
    var name: String { "identity.create-upstream-identities" }

    func prepare(on database: any Database) async throws {
        try await database.schema(UpstreamIdentityRecord.schema)
            .id()
            .field("issuer", .string, .required)
            .field("subject", .string, .required)
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, "id", onDelete: .cascade))
            .field("level", .int, .required)
            .field("linked_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "issuer", "subject")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UpstreamIdentityRecord.schema).delete()
    }
}

/// Signing in with the national identity provider: the relying-party side, account linking, and the session that
/// follows (with `acr` at the provider's level, which services may require).
public struct UpstreamSignIn: Sendable {
    static let stateCookie = "hues_upstream"

    let provider: any NationalIdentityProvider
    let database: PlatformDatabase
    let accounts: AccountDirectory
    let sessions: WebSessions
    let notices: (any NoticeBoard)?
    let secrets: SecretBox
    let publicBaseURL: String
    let secureCookies: Bool

    var callbackURI: String { publicBaseURL + "/login/vneid/callback" }

    struct PendingSignIn: Codable {
        var state: String
        var nonce: String
        var verifier: String
        var next: String
        var expires: Date
    }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/login/vneid", access: .everyone, kind: .page, summary: "Sign in with the national identity provider", use: start)
        routes.on(.get, "/login/vneid/callback", access: .everyone, kind: .page, summary: "Return from the national identity provider", use: callback)
    }

    @Sendable func start(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let next = PageRenderer.safeRedirectTarget(request.uri.queryParameters.get("next"), fallback: "/account")
        let verifier = TokenGenerator.make(bytes: 48)
        let pending = PendingSignIn(state: TokenGenerator.make(bytes: 16), nonce: TokenGenerator.make(bytes: 16), verifier: verifier, next: next,
                                    expires: Date().addingTimeInterval(600))
        // The pending sign-in travels sealed in a cookie, so any app instance can finish it.
        let sealed = try secrets.seal(try JSONEncoder().encode(pending), purpose: "upstream-sign-in").replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ".")
        var response = Response(status: .found, headers: [
            .location: provider.authorizationURL(redirectURI: callbackURI, state: pending.state, nonce: pending.nonce,
                                                 codeChallenge: PKCE.challenge(for: verifier)),
            .cacheControl: "no-store",
        ])
        response.setCookie(Cookie(name: Self.stateCookie, value: sealed, maxAge: 600, path: "/login/vneid", secure: secureCookies, httpOnly: true,
                                  sameSite: .lax))
        return response
    }

    @Sendable func callback(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let sealed = request.cookies[Self.stateCookie]?.value,
              let data = try? secrets.open(sealed.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                .replacingOccurrences(of: ".", with: "="), purpose: "upstream-sign-in"),
              let pending = try? JSONDecoder().decode(PendingSignIn.self, from: data), pending.expires > Date(),
              let state = query.get("state"), TokenGenerator.constantTimeEquals(state, pending.state)
        else { throw Problem.badRequest("This sign-in has expired or did not start here. Please try again.") }
        guard let code = query.get("code") else {
            throw Problem.badRequest("The national identity provider did not sign you in (\(query.get("error") ?? "no code")).")
        }
        let claims = try await provider.exchange(code: code, verifier: pending.verifier, redirectURI: callbackURI, nonce: pending.nonce,
                                                 logger: context.logger)
        let account = try await link(claims, signedIn: context.principal, logger: context.logger)
        let assurance: Assurance = claims.level >= 2 ? .nationalLevel2 : .password
        if case .session(let id, _) = context.principal?.credential { try await sessions.end(sessionID: id, logger: context.logger) }
        let cookie = try await sessions.start(for: account, assurance: assurance, logger: context.logger)
        var response = Response(status: .seeOther, headers: [.location: pending.next, .cacheControl: "no-store"])
        response.setCookie(Cookie(name: WebSessions.cookieName, value: cookie, maxAge: sessions.lifetimeSeconds, path: "/", secure: secureCookies,
                                  httpOnly: true, sameSite: .lax))
        response.setCookie(Cookie(name: Self.stateCookie, value: "", maxAge: 0, path: "/login/vneid", secure: secureCookies, httpOnly: true,
                                  sameSite: .lax))
        return response
    }

    /// The account for a national identity: the one already linked; else the signed-in account (which gets linked);
    /// else a new citizen account opened from the verified claims, linked in the same transaction.
    ///
    /// Only the stored (issuer, subject) link says who a national identity is: never a username, which anyone could
    /// have registered before the citizen first signs in.
    func link(_ claims: NationalIdentityClaims, signedIn: Principal?, logger: Logger) async throws -> Account {
        let db = try database.db(logger: logger)
        if let existing = try await UpstreamIdentityRecord.query(on: db).filter(\.$issuer == claims.issuer).filter(\.$subject == claims.subject).first() {
            try await database.write(logger: logger) { db in
                try await UpstreamIdentityRecord.query(on: db).filter(\.$issuer == claims.issuer).filter(\.$subject == claims.subject)
                    .set(\.$lastSeenAt, to: Date()).update()
            }
            guard let account = try await accounts.find(id: existing.accountID, logger: logger), account.status == .active else {
                throw Problem(status: .forbidden, type: "account-disabled", title: "Account disabled", detail: "This account has been disabled.")
            }
            return account
        }
        let record = LinkRecord(claims: claims, providerName: provider.displayName, notices: notices)
        if let signedIn, let id = UUID(uuidString: signedIn.accountID), let current = try await accounts.find(id: id, logger: logger) {
            try await database.write(logger: logger) { db in try await record.write(for: current, on: db) }
            return current
        }
        // The usual name, or (when an older account already has it) the same with a random tail: never that account.
        var username = "vneid-\(claims.subject)"
        if try await accounts.find(username: username, logger: logger) != nil { username += "-" + TokenGenerator.make(bytes: 3).lowercased() }
        let new = NewAccount(username: username, displayName: claims.name, password: TokenGenerator.make(bytes: 24), phone: claims.phone, kind: .citizen)
        return try await accounts.create(new, by: Actor(id: nil, name: "national-identity"), allowingReservedName: true, logger: logger) { db, account in
            try await record.write(for: account, on: db)
        }
    }
}

/// The link between a national identity and an account, with its event and the holder's notice.
private struct LinkRecord: Sendable {
    let claims: NationalIdentityClaims
    let providerName: String
    let notices: (any NoticeBoard)?

    func write(for account: Account, on db: any Database) async throws {
        let record = UpstreamIdentityRecord()
        record.id = UUID()
        record.issuer = claims.issuer
        record.subject = claims.subject
        record.accountID = account.id
        record.level = claims.level
        record.linkedAt = Date()
        record.lastSeenAt = Date()
        try await record.create(on: db)
        try await EventLog.append(
            try DomainEvent(type: "identity.national-identity.linked", actorID: account.id.uuidString, actorName: account.username,
                            subject: "account:\(account.id)", payload: ["issuer": claims.issuer, "level": String(claims.level)]),
            on: db)
        try await notices?.post(NoticeDraft(recipient: account.id.uuidString, template: "identity.national-identity-linked",
                                            data: ["name": account.displayName, "provider": providerName], link: "/account"), on: db)
    }
}
