import Crypto
import FluentKit
import Foundation
import Logging
import Platform

/// The systems allowed to post Open311 requests. A key is shown once when an admin creates it; only its SHA-256
/// is stored, so a leaked database does not leak keys.
public struct Open311Clients: Sendable {
    let database: PlatformDatabase

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
        return IssuedKey(client: Self.client(record), apiKey: key)
    }

    public func list(logger: Logger) async throws -> [Client] {
        try await Open311ClientRecord.query(on: try database.db(logger: logger)).sort(\.$createdAt).all().map(Self.client)
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
            return Self.client(record)
        }
    }

    /// The live client holding this key, or nil.
    func authenticate(_ key: String, logger: Logger) async throws -> Client? {
        guard key.hasPrefix("o311_"), key.count < 200 else { return nil }
        let record = try await Open311ClientRecord.query(on: try database.db(logger: logger)).filter(\.$keyDigest == Self.digest(key)).first()
        guard let record, record.revokedAt == nil else { return nil }
        return Self.client(record)
    }

    static func digest(_ key: String) -> String { TokenGenerator.digest(key) }

    static func client(_ record: Open311ClientRecord) -> Client {
        Client(id: record.id ?? UUID(), name: record.name, keyPrefix: record.keyPrefix, createdBy: record.createdBy, createdAt: record.createdAt,
               revokedAt: record.revokedAt)
    }
}
