import FluentKit
import Foundation
import Logging
import SQLKit

/// What a checkpoint states: the city's chain had entry `seq` with hash `hash` when it was signed. Kept outside the
/// database (published at `/api/v1/audit/checkpoints`, copied by whoever watches), it catches what the chain alone
/// cannot: someone with write access rewriting entries and the recorded head together.
public struct Checkpoint: Codable, Sendable, Equatable {
    public var city: String
    public var seq: Int
    public var hash: String
    public var signedAt: Date

    public init(city: String, seq: Int, hash: String, signedAt: Date) {
        self.city = city
        self.seq = seq
        self.hash = hash
        self.signedAt = signedAt
    }

    /// The bytes that are signed: canonical JSON (sorted keys, whole seconds), so anyone can rebuild and check them.
    public var statement: Data {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            return try encoder.encode(self)
        }
    }
}

/// A checkpoint as published: the signed statement and its detached CMS signature (base64 DER).
public struct SignedCheckpoint: Codable, Sendable, Equatable {
    public var seq: Int
    public var statement: String
    public var signature: String

    public init(seq: Int, statement: String, signature: String) {
        self.seq = seq
        self.statement = statement
        self.signature = signature
    }

    public var checkpoint: Checkpoint {
        get throws {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Checkpoint.self, from: Data(statement.utf8))
        }
    }
}

/// Signs checkpoints with a key from the city's CA; the signatures module provides it.
public protocol CheckpointSigning: Sendable {
    /// A detached CMS signature (DER) over `statement`.
    func sign(checkpoint statement: Data, logger: Logger) async throws -> Data
}

public enum EventCheckpoints {
    static let schema = "event_checkpoints"

    /// Signs the chain's head if it moved since the last checkpoint; returns the new checkpoint, if any.
    @discardableResult
    public static func make(city: String, signer: any CheckpointSigning, database: PlatformDatabase, at moment: Date,
                            logger: Logger) async throws -> SignedCheckpoint? {
        let db = try database.db(logger: logger)
        try await EventLog.seal(on: db)
        guard let sql = db as? any SQLDatabase,
              let head = try await sql.raw("SELECT last_seq, last_hash FROM event_chain WHERE id = 1").first() else { throw Problem.internal() }
        let seq = try head.decode(column: "last_seq", as: Int.self)
        let lastSigned = try await latest(on: db)?.seq ?? 0
        if seq == 0 || lastSigned >= seq { return nil }
        let checkpoint = Checkpoint(city: city, seq: seq, hash: try head.decode(column: "last_hash", as: String.self),
                                    signedAt: Date(timeIntervalSince1970: moment.timeIntervalSince1970.rounded(.down)))
        let statement = try checkpoint.statement
        let signed = SignedCheckpoint(seq: seq, statement: String(decoding: statement, as: UTF8.self),
                                      signature: try await signer.sign(checkpoint: statement, logger: logger).base64EncodedString())
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("""
                INSERT INTO event_checkpoints (seq, statement, signature) VALUES (\(bind: signed.seq), \(bind: signed.statement), \(bind: signed.signature))
                ON CONFLICT (seq) DO NOTHING
                """).run()
        }
        return signed
    }

    public static func list(after seq: Int, limit: Int, on database: any Database) async throws -> [SignedCheckpoint] {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        return try await sql.raw("""
            SELECT seq, statement, signature FROM event_checkpoints WHERE seq > \(bind: seq) ORDER BY seq LIMIT \(bind: max(1, min(limit, 1000)))
            """).all().map(row)
    }

    public static func latest(on database: any Database) async throws -> SignedCheckpoint? {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        return try await sql.raw("SELECT seq, statement, signature FROM event_checkpoints ORDER BY seq DESC LIMIT 1").first().map(row)
    }

    static func row(_ row: any SQLRow) throws -> SignedCheckpoint {
        SignedCheckpoint(seq: try row.decode(column: "seq", as: Int.self), statement: try row.decode(column: "statement", as: String.self),
                         signature: try row.decode(column: "signature", as: String.self))
    }
}

extension EventLog {
    /// Checks the chain against checkpoints kept elsewhere (their signatures already checked): each names an entry
    /// that must be in the log with that very hash. Returns what does not match, in plain words.
    public static func verify(against checkpoints: [Checkpoint], city: String, on database: any Database) async throws -> [String] {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await seal(on: database)
        var problems: [String] = []
        for checkpoint in checkpoints.sorted(by: { $0.seq < $1.seq }) {
            guard checkpoint.city == city else {
                problems.append("checkpoint \(checkpoint.seq) is for the city '\(checkpoint.city)', not '\(city)'")
                continue
            }
            let row = try await sql.raw("SELECT hash FROM event_log WHERE seq = \(bind: checkpoint.seq)").first()
            guard let hash = try row?.decode(column: "hash", as: String.self) else {
                problems.append("entry \(checkpoint.seq), signed at \(checkpoint.signedAt), is gone from the log: it was truncated")
                continue
            }
            if hash != checkpoint.hash {
                problems.append("entry \(checkpoint.seq) no longer has the hash signed at \(checkpoint.signedAt): the log was rewritten up to there")
            }
        }
        return problems
    }
}

struct CreateEventCheckpoints: AsyncMigration {
    var name: String { "platform.create-event-checkpoints" }

    func prepare(on database: any Database) async throws {
        try await database.schema(EventCheckpoints.schema)
            .field("seq", .int64, .identifier(auto: false))
            .field("statement", .string, .required)
            .field("signature", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(EventCheckpoints.schema).delete()
    }
}
