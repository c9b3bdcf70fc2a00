import Crypto
import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// The systems allowed to post Open311 requests. A key is shown once when an admin creates it; only its SHA-256
/// is stored, so a leaked database does not leak keys.
public struct Open311Clients: Sendable {
    let database: PlatformDatabase
    let known = Open311KeyCache()

    public struct Client: Codable, Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var keyPrefix: String
        public var createdBy: String
        public var createdAt: Date
        public var revokedAt: Date?
    }

    public struct IssuedKey: Codable, Sendable {
        public var client: Client
        /// Shown once.
        public var apiKey: String
    }

    public func create(name: String, by actor: String, logger: Logger) async throws -> IssuedKey {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...120).contains(name.count) else { throw Problem.unprocessable([.init(field: "name", message: "2–120 characters")]) }
        let key = "o311_" + TokenGenerator.make(bytes: 24)
        let record = Open311ClientRecord()
        record.id = UUID()
        record.name = name
        record.keyDigest = Self.digest(key)
        record.keyPrefix = String(key.prefix(10))
        record.createdBy = actor
        record.createdAt = Date()
        try await database.write(logger: logger) { db in
            try await record.create(on: db)
            try await EventLog.append(
                try DomainEvent(type: "field-reports.open311-client.created", actorName: actor, subject: "open311-client:\(name)",
                                payload: ["prefix": record.keyPrefix]),
                on: db)
        }
        return IssuedKey(client: try Self.client(record), apiKey: key)
    }

    public func list(logger: Logger) async throws -> [Client] {
        try await Open311ClientRecord.query(on: try database.db(logger: logger)).sort(\.$createdAt).all().map { try Self.client($0) }
    }

    public func revoke(_ id: UUID, by actor: String, logger: Logger) async throws -> Client {
        try await database.write(logger: logger) { db in
            guard let record = try await Open311ClientRecord.find(id, on: db) else { throw Problem.notFound("No such Open311 client.") }
            if record.revokedAt == nil {
                record.revokedAt = Date()
                try await record.update(on: db)
                try await EventLog.append(
                    try DomainEvent(type: "field-reports.open311-client.revoked", actorName: actor, subject: "open311-client:\(record.name)",
                                    payload: ["prefix": record.keyPrefix]),
                    on: db)
            }
            return try Self.client(record)
        }
    }

    /// The live client holding this key, or nil.
    /// Every Open311 POST asks this: a key seen before is answered from memory (see `Open311KeyCache`), a new one
    /// reads five columns with plain SQL instead of hydrating a Fluent model.
    func authenticate(_ key: String, logger: Logger) async throws -> Client? {
        guard key.hasPrefix("o311_"), key.count < 200 else { return nil }
        let digest = Self.digest(key)
        let generation = database.changes.generation([Open311KeyCache.topic])
        let asked = ContinuousClock.now
        if let client = known.client(digest: digest, at: generation, now: asked) { return client }
        let sql = try database.sql(logger: logger)
        let row = try await sql.raw("""
            SELECT id, name, key_prefix, created_by, created_at, revoked_at FROM open311_clients WHERE key_digest = \(bind: digest)
            """).first()
        guard let row, try row.decodeNil(column: "revoked_at") else { return nil }
        let client = Client(id: try row.decode(column: "id", as: UUID.self), name: try row.decode(column: "name", as: String.self),
                            keyPrefix: try row.decode(column: "key_prefix", as: String.self),
                            createdBy: try row.decode(column: "created_by", as: String.self),
                            createdAt: try row.decode(column: "created_at", as: Date.self), revokedAt: nil)
        known.keep(client, digest: digest, readAt: generation, current: database.changes.generation([Open311KeyCache.topic]), at: asked)
        return client
    }

    static func digest(_ key: String) -> String { TokenGenerator.digest(key) }

    static func client(_ record: Open311ClientRecord) throws -> Client {
        Client(id: try record.requireID(), name: record.name, keyPrefix: record.keyPrefix, createdBy: record.createdBy, createdAt: record.createdAt,
               revokedAt: record.revokedAt)
    }
}
