import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Long-lived refresh tokens that rotate on every use. Each login starts a *family*; presenting a token that was
/// already used means it was copied, so the whole family is revoked (OAuth 2.0 Security BCP §4.14).
public struct RefreshTokens: Sendable {
    let database: PlatformDatabase
    let lifetime: Duration

    public init(database: PlatformDatabase, lifetime: Duration) {
        self.database = database
        self.lifetime = lifetime
    }

    public func start(for accountID: UUID, logger: Logger) async throws -> String {
        try await database.write(logger: logger) { db in
            try await issue(accountID: accountID, familyID: UUID(), on: db)
        }
    }

    public enum RotationError: Error, Equatable {
        case invalid
        case reused
    }

    /// Exchanges a refresh token for a new one in the same family; returns the account id and the new token.
    public func rotate(_ token: String, logger: Logger) async throws -> (accountID: UUID, token: String) {
        let hash = TokenGenerator.digest(token)
        let outcome: Result<(UUID, String), RotationError> = try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard let record = try await RefreshTokenRecord.query(on: db).filter(\.$tokenHash == hash).first() else {
                return .failure(.invalid)
            }
            let now = Date()
            if record.revokedAt != nil || record.expiresAt < now { return .failure(.invalid) }
            // Claim the token atomically: only one request can turn used_at from NULL to a time.
            let claimed = try await sql.update(RefreshTokenRecord.schema)
                .set("used_at", to: now)
                .where("id", .equal, record.id)
                .where("used_at", .is, SQLLiteral.null)
                .returning("id")
                .all()
            guard !claimed.isEmpty else {
                try await RefreshTokenRecord.query(on: db).filter(\.$familyID == record.familyID).filter(\.$revokedAt == nil)
                    .set(\.$revokedAt, to: now).update()
                try await EventLog.append(
                    DomainEvent(type: "identity.refresh-token.reuse-detected", actorID: record.accountID.uuidString,
                                subject: "account:\(record.accountID)", rawPayload: "{\"family\":\"\(record.familyID)\"}"),
                    on: db)
                return .failure(.reused)
            }
            guard let account = try await AccountRecord.find(record.accountID, on: db), account.status == AccountStatus.active.rawValue else {
                return .failure(.invalid)
            }
            let next = try await issue(accountID: record.accountID, familyID: record.familyID, on: db)
            return .success((record.accountID, next))
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    /// Ends the family a token belongs to (logout).
    public func revokeFamily(of token: String, logger: Logger) async throws {
        let hash = TokenGenerator.digest(token)
        try await database.write(logger: logger) { db in
            guard let record = try await RefreshTokenRecord.query(on: db).filter(\.$tokenHash == hash).first() else { return }
            try await RefreshTokenRecord.query(on: db).filter(\.$familyID == record.familyID).filter(\.$revokedAt == nil)
                .set(\.$revokedAt, to: Date()).update()
        }
    }

    private func issue(accountID: UUID, familyID: UUID, on db: any Database) async throws -> String {
        let token = TokenGenerator.make()
        let record = RefreshTokenRecord()
        record.id = UUID()
        record.accountID = accountID
        record.familyID = familyID
        record.tokenHash = TokenGenerator.digest(token)
        record.createdAt = Date()
        record.expiresAt = Date().addingTimeInterval(Double(lifetime.components.seconds))
        try await record.create(on: db)
        return token
    }
}
