import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// Access tokens are verified by signature alone, so a token issued before an account was disabled or erased would
/// otherwise work until it expires. Disabling and erasing record the moment here (in the same transaction); an
/// instance re-reads the list when an `identity.account` event has committed since it last did (its own at once,
/// other instances' through `ChangeBroadcast` within a moment; after a lost link, everything counts as changed), and
/// at least every minute. Tokens of those accounts issued before that moment are refused; tokens issued after it (an
/// account enabled again, signing in anew) are not affected.
final class AccountRevocations: Sendable {
    let database: PlatformDatabase
    let clock: @Sendable () -> Date
    private let state = Mutex<(loadedAt: ContinuousClock.Instant?, generation: [UInt64], revokedAt: [String: Int64])>((nil, [], [:]))
    static let staleAfter = Duration.seconds(60)
    static let topics = ["identity.account"]
    /// Longer than any access token lives (`HUES_ACCESS_TOKEN_TTL` is at most a day): older rows have done their work.
    static let keepFor: TimeInterval = 2 * 86_400

    init(database: PlatformDatabase, clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.clock = clock
    }

    /// Records, inside the caller's write, that tokens `account` holds from before `moment` no longer open anything.
    static func record(_ account: UUID, at moment: Date, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let ms = Int64((moment.timeIntervalSince1970 * 1000).rounded())
        try await sql.raw("DELETE FROM account_revocations WHERE revoked_at_ms < \(bind: ms - Int64(keepFor * 1000))").run()
        try await sql.raw("""
            INSERT INTO account_revocations (account_id, revoked_at_ms) VALUES (\(bind: account.uuidString), \(bind: ms))
            ON CONFLICT (account_id) DO UPDATE SET revoked_at_ms = excluded.revoked_at_ms
            """).run()
    }

    /// Whether a token of `accountID` issued at `issuedAt` was issued before its account was disabled or erased.
    func isRevoked(_ accountID: String, issuedAt: Date, logger: Logger) async throws -> Bool {
        let generation = database.changes.generation(Self.topics)
        let fresh = state.withLock { state in
            state.generation == generation && (state.loadedAt.map { $0.duration(to: .now) < Self.staleAfter } ?? false)
        }
        if !fresh { try await reload(generation: generation, logger: logger) }
        guard let revoked = state.withLock({ $0.revokedAt[accountID.lowercased()] }) else { return false }
        return Int64(issuedAt.timeIntervalSince1970 * 1000) <= revoked
    }

    /// `generation` is read before the rows, so a revocation committed meanwhile moves it again and is read next time.
    private func reload(generation: [UInt64], logger: Logger) async throws {
        let since = Int64(((clock().timeIntervalSince1970 - Self.keepFor) * 1000).rounded())
        let rows = try await database.sql(logger: logger).raw("""
            SELECT account_id, revoked_at_ms FROM account_revocations WHERE revoked_at_ms >= \(bind: since)
            """).all()
        var revoked: [String: Int64] = [:]
        for row in rows {
            revoked[try row.decode(column: "account_id", as: String.self).lowercased()] = try row.decode(column: "revoked_at_ms", as: Int64.self)
        }
        state.withLock { $0 = (.now, generation, revoked) }
    }
}

struct CreateAccountRevocations: AsyncMigration {
    var name: String { "identity.create-account-revocations" }

    func prepare(on database: any Database) async throws {
        try await database.schema("account_revocations")
            .field("account_id", .string, .identifier(auto: false))
            .field("revoked_at_ms", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("account_revocations").delete()
    }
}
