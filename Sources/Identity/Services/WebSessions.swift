import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Browser sessions: an opaque cookie (only its hash is stored) and a CSRF token that forms must echo back.
public struct WebSessions: Sendable {
    public static let cookieName = "hues_session"

    let database: PlatformDatabase
    let lifetime: Duration

    public init(database: PlatformDatabase, lifetime: Duration) {
        self.database = database
        self.lifetime = lifetime
    }

    public var lifetimeSeconds: Int { Int(lifetime.components.seconds) }

    /// Starts a session and returns the cookie value; `assurance` records how the person signed in.
    public func start(for account: Account, assurance: Assurance = .password, logger: Logger) async throws -> String {
        let cookie = TokenGenerator.make()
        let record = WebSessionRecord()
        record.id = TokenGenerator.digest(cookie)
        record.accountID = account.id
        record.csrfToken = TokenGenerator.make(bytes: 24)
        record.createdAt = Date()
        record.expiresAt = Date().addingTimeInterval(Double(lifetimeSeconds))
        record.acr = assurance.rawValue
        record.amr = assurance.methods.joined(separator: " ")
        try await database.write(logger: logger) { db in
            try await record.create(on: db)
            try await EventLog.append(
                DomainEvent(type: "identity.session.started", actorID: account.id.uuidString, actorName: account.username,
                            subject: "account:\(account.id)"),
                on: db)
        }
        return cookie
    }

    /// The principal behind a session cookie, or nil when the session is unknown, expired or its account disabled.
    public func principal(forCookie cookie: String, logger: Logger) async throws -> Principal? {
        let sql = try database.sql(logger: logger)
        guard let session = try await WebSessionRecord.read(idHash: TokenGenerator.digest(cookie), on: sql), session.expiresAt > Date(),
              let account = try await AccountRecord.read(id: session.accountID, on: sql), account.status == AccountStatus.active.rawValue,
              let sessionID = session.id, let view = try await Account.read(account, on: sql, logger: logger)
        else { return nil }
        return Principal(accountID: view.id.uuidString, username: view.username, displayName: view.displayName, grants: view.roles,
                         credential: .session(id: sessionID, csrfToken: session.csrfToken), authTime: session.createdAt,
                         acr: session.acr ?? Assurance.password.rawValue, amr: (session.amr ?? "pwd").split(separator: " ").map(String.init))
    }

    public func end(sessionID: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            try await WebSessionRecord.query(on: db).filter(\.$id == sessionID).delete()
        }
    }
}
