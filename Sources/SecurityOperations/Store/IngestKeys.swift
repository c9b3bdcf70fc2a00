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
                                                  actorName: principal.displayName, unitCode: unit, subject: String(digest.prefix(16)),
                                                  rawPayload: "{}"), on: db)
        }
        return Created(key: key, unit: unit, label: label)
    }

    /// A key as analysts see it: never the key itself, only the first 16 hex digits of its SHA-256 to name it.
    public struct Listed: Codable, Sendable {
        public let id: String
        public let unit: String
        public let label: String
        public let createdAt: Date
        public let revokedAt: Date?
    }

    public func list(logger: Logger) async throws -> [Listed] {
        let rows = try await database.sql(logger: logger).raw("""
            SELECT key_digest, unit_code, label, created_at_ms, revoked_at_ms FROM soc_ingest_keys ORDER BY unit_code, created_at_ms
            """).all()
        return try rows.map { row in
            Listed(id: String(try row.decode(column: "key_digest", as: String.self).prefix(16)),
                   unit: try row.decode(column: "unit_code", as: String.self), label: try row.decode(column: "label", as: String.self),
                   createdAt: Date(timeIntervalSince1970: Double(try row.decode(column: "created_at_ms", as: Int64.self)) / 1000),
                   revokedAt: try row.decode(column: "revoked_at_ms", as: Int64?.self).map { Date(timeIntervalSince1970: Double($0) / 1000) })
        }
    }

    /// Stops a key at once (a shipper's machine was taken); false when no live key has that id.
    public func revoke(id: String, by principal: Principal, logger: Logger) async throws -> Bool {
        guard id.utf8.count == 16, id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return false }
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard let row = try await sql.raw("""
                UPDATE soc_ingest_keys SET revoked_at_ms = \(bind: now) \
                WHERE substr(key_digest, 1, 16) = \(bind: id) AND revoked_at_ms IS NULL RETURNING unit_code
                """).first() else { return false }
            try await EventLog.append(DomainEvent(type: "security.ingest-key.revoked", actorID: principal.accountID,
                                                  actorName: principal.displayName,
                                                  unitCode: try row.decode(column: "unit_code", as: String.self), subject: id), on: db)
            return true
        }
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
