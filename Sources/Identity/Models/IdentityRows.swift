import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

// Sign-in, every session-cookie page and every token grant read an account, a session, a client or a code, and
// 50 relying parties exchange codes and refresh tokens all day: those reads and writes go through plain SQL with
// column lists known once, because Fluent reflects over every property of a model on each query. Records built here
// are for reading; a Fluent `update` on one would be taken for a create.

extension AccountRecord {
    static let columnList = """
        id, username, display_name, email, phone, kind, password_hash, status, failed_logins, locked_until, created_at, updated_at
        """

    convenience init(row: some SQLRow) throws {
        self.init()
        id = try row.decode(column: "id", as: UUID.self)
        username = try row.decode(column: "username", as: String.self)
        displayName = try row.decode(column: "display_name", as: String.self)
        email = try row.decode(column: "email", as: String?.self)
        phone = try row.decode(column: "phone", as: String?.self)
        kind = try row.decode(column: "kind", as: String.self)
        passwordHash = try row.decode(column: "password_hash", as: String.self)
        status = try row.decode(column: "status", as: String.self)
        failedLogins = try row.decode(column: "failed_logins", as: Int.self)
        lockedUntil = try row.decode(column: "locked_until", as: Date?.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
    }

    static func read(id: UUID, on sql: any SQLDatabase) async throws -> AccountRecord? {
        try await sql.raw("SELECT \(unsafeRaw: columnList) FROM accounts WHERE id = \(bind: id)").first().map { try AccountRecord(row: $0) }
    }

    static func read(username: String, on sql: any SQLDatabase) async throws -> AccountRecord? {
        try await sql.raw("SELECT \(unsafeRaw: columnList) FROM accounts WHERE username = \(bind: username)").first().map { try AccountRecord(row: $0) }
    }
}

extension RoleGrantRecord {
    static func read(accountID: UUID, on sql: any SQLDatabase) async throws -> [RoleGrantRecord] {
        try await sql.raw("SELECT id, role, unit_code FROM account_roles WHERE account_id = \(bind: accountID)").all().map { row in
            let grant = RoleGrantRecord()
            grant.id = try row.decode(column: "id", as: UUID.self)
            grant.role = try row.decode(column: "role", as: String.self)
            grant.unitCode = try row.decode(column: "unit_code", as: String.self)
            return grant
        }
    }
}

extension Account {
    /// An account with its role grants, in two plain reads.
    static func read(_ record: AccountRecord?, on sql: any SQLDatabase, logger: Logger?) async throws -> Account? {
        guard let record, let id = record.id else { return nil }
        return try Account(record, grants: try await RoleGrantRecord.read(accountID: id, on: sql), logger: logger)
    }
}

extension WebSessionRecord {
    static func read(idHash: String, on sql: any SQLDatabase) async throws -> WebSessionRecord? {
        guard let row = try await sql.raw("""
            SELECT id_hash, account_id, csrf_token, created_at, expires_at, acr, amr FROM web_sessions WHERE id_hash = \(bind: idHash)
            """).first()
        else { return nil }
        let session = WebSessionRecord()
        session.id = try row.decode(column: "id_hash", as: String.self)
        session.accountID = try row.decode(column: "account_id", as: UUID.self)
        session.csrfToken = try row.decode(column: "csrf_token", as: String.self)
        session.createdAt = try row.decode(column: "created_at", as: Date.self)
        session.expiresAt = try row.decode(column: "expires_at", as: Date.self)
        session.acr = try row.decode(column: "acr", as: String?.self)
        session.amr = try row.decode(column: "amr", as: String?.self)
        return session
    }
}

extension OAuthClientRecord {
    static func read(clientID: String, on sql: any SQLDatabase) async throws -> OAuthClientRecord? {
        guard let row = try await sql.raw("""
            SELECT client_id, name, client_type, secret_hash, redirect_uris, post_logout_redirect_uris, allowed_scopes, minimum_acr, trusted, status, \
            created_at, updated_at FROM oauth_clients WHERE client_id = \(bind: clientID)
            """).first()
        else { return nil }
        let record = OAuthClientRecord()
        record.id = try row.decode(column: "client_id", as: String.self)
        record.name = try row.decode(column: "name", as: String.self)
        record.clientType = try row.decode(column: "client_type", as: String.self)
        record.secretHash = try row.decode(column: "secret_hash", as: String?.self)
        record.redirectURIs = try row.decode(column: "redirect_uris", as: String.self)
        record.postLogoutRedirectURIs = try row.decode(column: "post_logout_redirect_uris", as: String.self)
        record.allowedScopes = try row.decode(column: "allowed_scopes", as: String.self)
        record.minimumACR = try row.decode(column: "minimum_acr", as: String?.self)
        record.trusted = try row.decode(column: "trusted", as: Bool.self)
        record.status = try row.decode(column: "status", as: String.self)
        record.createdAt = try row.decode(column: "created_at", as: Date.self)
        record.updatedAt = try row.decode(column: "updated_at", as: Date.self)
        return record
    }
}

extension AuthorizationCodeRecord {
    static func read(codeHash: String, on sql: any SQLDatabase) async throws -> AuthorizationCodeRecord? {
        guard let row = try await sql.raw("""
            SELECT code_hash, client_id, account_id, redirect_uri, scope, nonce, code_challenge, auth_time, acr, amr, expires_at, used_at, family_id \
            FROM oauth_codes WHERE code_hash = \(bind: codeHash)
            """).first()
        else { return nil }
        let record = AuthorizationCodeRecord()
        record.id = try row.decode(column: "code_hash", as: String.self)
        record.clientID = try row.decode(column: "client_id", as: String.self)
        record.accountID = try row.decode(column: "account_id", as: UUID.self)
        record.redirectURI = try row.decode(column: "redirect_uri", as: String.self)
        record.scope = try row.decode(column: "scope", as: String.self)
        record.nonce = try row.decode(column: "nonce", as: String?.self)
        record.codeChallenge = try row.decode(column: "code_challenge", as: String?.self)
        record.authTime = try row.decode(column: "auth_time", as: Date.self)
        record.acr = try row.decode(column: "acr", as: String.self)
        record.amr = try row.decode(column: "amr", as: String.self)
        record.expiresAt = try row.decode(column: "expires_at", as: Date.self)
        record.usedAt = try row.decode(column: "used_at", as: Date?.self)
        record.familyID = try row.decode(column: "family_id", as: UUID?.self)
        return record
    }

    func insert(on sql: any SQLDatabase) async throws {
        guard let id else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO oauth_codes (code_hash, client_id, account_id, redirect_uri, scope, nonce, code_challenge, auth_time, acr, amr, expires_at) \
            VALUES (\(bind: id), \(bind: clientID), \(bind: accountID), \(bind: redirectURI), \(bind: scope), \(bind: nonce), \(bind: codeChallenge), \
            \(bind: authTime), \(bind: acr), \(bind: amr), \(bind: expiresAt))
            """).run()
    }
}

extension RefreshTokenRecord {
    static func read(tokenHash: String, on sql: any SQLDatabase) async throws -> RefreshTokenRecord? {
        guard let row = try await sql.raw("""
            SELECT id, account_id, family_id, token_hash, created_at, expires_at, used_at, revoked_at, client_id, scope, auth_time, acr, amr \
            FROM refresh_tokens WHERE token_hash = \(bind: tokenHash)
            """).first()
        else { return nil }
        let record = RefreshTokenRecord()
        record.id = try row.decode(column: "id", as: UUID.self)
        record.accountID = try row.decode(column: "account_id", as: UUID.self)
        record.familyID = try row.decode(column: "family_id", as: UUID.self)
        record.tokenHash = try row.decode(column: "token_hash", as: String.self)
        record.createdAt = try row.decode(column: "created_at", as: Date.self)
        record.expiresAt = try row.decode(column: "expires_at", as: Date.self)
        record.usedAt = try row.decode(column: "used_at", as: Date?.self)
        record.revokedAt = try row.decode(column: "revoked_at", as: Date?.self)
        record.clientID = try row.decode(column: "client_id", as: String?.self)
        record.scope = try row.decode(column: "scope", as: String?.self)
        record.authTime = try row.decode(column: "auth_time", as: Date?.self)
        record.acr = try row.decode(column: "acr", as: String?.self)
        record.amr = try row.decode(column: "amr", as: String?.self)
        return record
    }

    func insert(on sql: any SQLDatabase) async throws {
        guard let id else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO refresh_tokens (id, account_id, family_id, token_hash, created_at, expires_at, client_id, scope, auth_time, acr, amr) \
            VALUES (\(bind: id), \(bind: accountID), \(bind: familyID), \(bind: tokenHash), \(bind: createdAt), \(bind: expiresAt), \(bind: clientID), \
            \(bind: scope), \(bind: authTime), \(bind: acr), \(bind: amr))
            """).run()
    }
}
