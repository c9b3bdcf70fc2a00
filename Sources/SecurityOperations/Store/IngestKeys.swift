import Foundation
import Logging
import Platform
import SQLKit

/// The keys units' log shippers send events with: each names one unit, so the unit of an event is the key's, never
/// what the sender claims. Shown once at creation; only the SHA-256 is kept.
public struct IngestKeys: Sendable {
    public static let prefix = "hsk_"
    let database: PlatformDatabase
    let clock: @Sendable () -> Date

    public struct Created: Codable, Sendable {
        public let key: String
        public let unit: String
        public let label: String
    }

    public func create(unit: String, label: String, by principal: Principal, logger: Logger) async throws -> Created {
        let key = Self.prefix + TokenGenerator.make()
        let digest = TokenGenerator.digest(key)
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("""
                INSERT INTO soc_ingest_keys (key_digest, unit_code, label, created_by, created_at_ms) \
                VALUES (\(bind: digest), \(bind: unit), \(bind: label), \(bind: principal.accountID), \(bind: now))
                """).run()
            try await EventLog.append(DomainEvent(type: "security.ingest-key.created", actorID: principal.accountID,
                                                  actorName: principal.displayName, unitCode: unit, subject: String(digest.prefix(12)),
                                                  rawPayload: "{}"), on: db)
        }
        return Created(key: key, unit: unit, label: label)
    }

    /// The unit a key sends for; nil for an unknown or revoked key.
    public func unit(forKey key: String, logger: Logger) async throws -> String? {
        guard key.hasPrefix(Self.prefix), key.utf8.count <= 100 else { return nil }
        let row = try await database.sql(logger: logger).raw("""
            SELECT unit_code FROM soc_ingest_keys WHERE key_digest = \(bind: TokenGenerator.digest(key)) AND revoked_at_ms IS NULL
            """).first()
        return try row?.decode(column: "unit_code", as: String.self)
    }
}
