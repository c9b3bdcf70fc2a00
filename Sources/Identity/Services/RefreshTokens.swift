import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// What a refresh token stands for: an account, and for relying parties the client, scope and original sign-in.
public struct RefreshGrant: Sendable, Equatable {
    public var accountID: UUID
    public var clientID: String?
    public var scope: String?
    public var authTime: Date?
    public var acr: String?
    public var amr: String?

    public init(accountID: UUID, clientID: String? = nil, scope: String? = nil, authTime: Date? = nil, acr: String? = nil, amr: String? = nil) {
        self.accountID = accountID
        self.clientID = clientID
        self.scope = scope
        self.authTime = authTime
        self.acr = acr
        self.amr = amr
    }
}

/// Long-lived refresh tokens that rotate on every use. Each sign-in starts a *family*; presenting a token that was
/// already used means it was copied, so the whole family is revoked (OAuth 2.0 Security BCP §4.14).
public struct RefreshTokens: Sendable {
    let database: PlatformDatabase
    let lifetime: Duration

    public init(database: PlatformDatabase, lifetime: Duration) {
        self.database = database
        self.lifetime = lifetime
    }

    /// Starts a new family at sign-in to the API; the sign-in itself is recorded in the event log.
    public func start(for account: Account, authTime: Date? = nil, logger: Logger) async throws -> String {
        try await database.write(logger: logger) { db in
            let token = try await issue(RefreshGrant(accountID: account.id, authTime: authTime), familyID: UUID(), on: db)
            try await EventLog.append(
                DomainEvent(type: "identity.sign-in.succeeded", actorID: account.id.uuidString, actorName: account.username,
                            subject: "account:\(account.id)"),
                on: db)
            return token
        }
    }

    public enum RotationError: Error, Equatable {
        case invalid
        case reused
    }

    /// Exchanges a refresh token for a new one in the same family. `clientID` is the relying party presenting it
    /// (nil for the platform's own API); a token issued to someone else is refused without being used up.
    /// The account comes back as it stood when the token rotated (read in the same transaction, with its roles), so
    /// the caller issues the access token without another read.
    public func rotate(_ token: String, clientID: String? = nil, logger: Logger) async throws -> (grant: RefreshGrant, token: String, account: Account) {
        let hash = TokenGenerator.digest(token)
        let outcome: Result<(RefreshGrant, String, Account), RotationError> = try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard let record = try await RefreshTokenRecord.read(tokenHash: hash, on: sql) else { return .failure(.invalid) }
            let now = Date()
            if record.revokedAt != nil || record.expiresAt < now || record.clientID != clientID { return .failure(.invalid) }
            // Claim the token atomically: only one request can turn used_at from NULL to a time.
            let claimed = try await sql.raw("""
                UPDATE \(ident: RefreshTokenRecord.schema) SET used_at = \(bind: now) WHERE id = \(bind: record.id) AND used_at IS NULL RETURNING id
                """).all()
            guard !claimed.isEmpty else {
                try await revoke(family: record.familyID, on: db)
                try await EventLog.append(
                    DomainEvent(type: "identity.refresh-token.reuse-detected", actorID: record.accountID.uuidString,
                                subject: "account:\(record.accountID)", rawPayload: "{\"family\":\"\(record.familyID)\"}"),
                    on: db)
                return .failure(.reused)
            }
            guard let stored = try await AccountRecord.read(id: record.accountID, on: sql), stored.status == AccountStatus.active.rawValue,
                  let account = try await Account.read(stored, on: sql, logger: db.logger)
            else { return .failure(.invalid) }
            let grant = RefreshGrant(accountID: record.accountID, clientID: record.clientID, scope: record.scope, authTime: record.authTime,
                                     acr: record.acr, amr: record.amr)
            let next = try await issue(grant, familyID: record.familyID, on: db)
            return .success((grant, next, account))
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    /// Ends the family a token belongs to (logout, revocation). With `clientID`, only that client's tokens count.
    public func revokeFamily(of token: String, clientID: String? = nil, logger: Logger) async throws {
        let hash = TokenGenerator.digest(token)
        try await database.write(logger: logger) { db in
            guard let record = try await RefreshTokenRecord.query(on: db).filter(\.$tokenHash == hash).first() else { return }
            if let clientID, record.clientID != clientID { return }
            try await revoke(family: record.familyID, on: db)
        }
    }

    func revoke(family: UUID, on db: any Database) async throws {
        try await RefreshTokenRecord.query(on: db).filter(\.$familyID == family).filter(\.$revokedAt == nil)
            .set(\.$revokedAt, to: Date()).update()
    }

    func issue(_ grant: RefreshGrant, familyID: UUID, on db: any Database) async throws -> String {
        let token = TokenGenerator.make()
        let record = RefreshTokenRecord()
        record.id = UUID()
        record.accountID = grant.accountID
        record.familyID = familyID
        record.tokenHash = TokenGenerator.digest(token)
        record.createdAt = Date()
        record.expiresAt = Date().addingTimeInterval(Double(lifetime.components.seconds))
        record.clientID = grant.clientID
        record.scope = grant.scope
        record.authTime = grant.authTime
        record.acr = grant.acr
        record.amr = grant.amr
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await record.insert(on: sql)
        return token
    }
}
