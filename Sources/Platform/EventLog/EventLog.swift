import Crypto
import FluentKit
import Foundation
import SQLKit

/// The append-only, hash-chained record of everything that happened.
///
/// Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or reordering any
/// row breaks every later link. Appends happen inside the caller's transaction: the change and its record commit
/// together or not at all.
public enum EventLog {
    public static let genesisHash = String(repeating: "0", count: 64)

    public static func migrations() -> [any Migration] { [CreateEventLog()] }

    /// Appends `event` in the transaction `database` belongs to.
    @discardableResult
    public static func append(_ event: DomainEvent, on database: any Database) async throws -> LoggedEvent {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        // PostgreSQL: the row lock on the head makes concurrent appenders (even in other app instances) wait their
        // turn. SQLite already holds the single writer lock for this transaction.
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE" : ""
        guard let head = try await sql.raw("SELECT last_seq, last_hash FROM event_chain WHERE id = 1" + lock).first() else {
            throw Problem.internal()
        }
        let lastSeq = try head.decode(column: "last_seq", as: Int.self)
        let lastHash = try head.decode(column: "last_hash", as: String.self)

        let record = chained(event, seq: lastSeq + 1, after: lastHash)
        try await record.create(on: database)
        try await sql.update(EventChainHead.schema)
            .set("last_seq", to: lastSeq + 1)
            .set("last_hash", to: record.hash)
            .where("id", .equal, 1)
            .run()
        return record.logged
    }

    /// Appends many events with one read and one write of the chain head: for imports and demo histories, where
    /// one statement per event would dominate. The chain is exactly what appending them one by one would give.
    public static func append(contentsOf events: [DomainEvent], on database: any Database) async throws {
        guard !events.isEmpty else { return }
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE" : ""
        guard let head = try await sql.raw("SELECT last_seq, last_hash FROM event_chain WHERE id = 1" + lock).first() else {
            throw Problem.internal()
        }
        var seq = try head.decode(column: "last_seq", as: Int.self)
        var previous = try head.decode(column: "last_hash", as: String.self)
        var rows: [[any SQLExpression]] = []
        for event in events {
            seq += 1
            let record = chained(event, seq: seq, after: previous)
            previous = record.hash
            rows.append([SQLBind(seq), SQLBind(record.occurredAtMilliseconds), SQLBind(record.type), SQLBind(record.actorID), SQLBind(record.actorName),
                         SQLBind(record.unitCode), SQLBind(record.subject), SQLBind(record.payload), SQLBind(record.previousHash), SQLBind(record.hash)])
        }
        for chunk in stride(from: 0, to: rows.count, by: 500) {
            var insert = sql.insert(into: EventRecord.schema)
                .columns("seq", "occurred_at_ms", "type", "actor_id", "actor_name", "unit_code", "subject", "payload", "prev_hash", "hash")
            for row in rows[chunk..<min(chunk + 500, rows.count)] { insert = insert.values(row) }
            try await insert.run()
        }
        try await sql.update(EventChainHead.schema).set("last_seq", to: seq).set("last_hash", to: previous).where("id", .equal, 1).run()
    }

    /// Entries after `cursor`, oldest first: how consumers build projections.
    public static func read(after cursor: Int, limit: Int = 500, on database: any Database) async throws -> [LoggedEvent] {
        try await EventRecord.query(on: database)
            .filter(\.$id > cursor)
            .sort(\.$id, .ascending)
            .limit(max(1, min(limit, 5000)))
            .all()
            .map(\.logged)
    }

    public static func latestSeq(on database: any Database) async throws -> Int {
        try await EventChainHead.find(1, on: database)?.lastSeq ?? 0
    }

    /// The stored position of a consumer (0 when it has never read).
    public static func cursor(of consumer: String, on database: any Database) async throws -> Int {
        try await EventCursorRecord.find(consumer, on: database)?.position ?? 0
    }

    /// Records that `consumer` has processed everything up to `position`; call it in the transaction that stored
    /// the projection, so a crash never skips or double-counts an event.
    public static func advance(_ consumer: String, to position: Int, on database: any Database) async throws {
        if let existing = try await EventCursorRecord.find(consumer, on: database) {
            existing.position = position
            existing.updatedAt = Date()
            try await existing.update(on: database)
        } else {
            let record = EventCursorRecord()
            record.id = consumer
            record.position = position
            record.updatedAt = Date()
            try await record.create(on: database)
        }
    }

    public struct Verification: Sendable, Equatable {
        public var checked: Int
        public var brokenAt: Int?
        public var reason: String?

        public var isIntact: Bool { brokenAt == nil }

        public init(checked: Int, brokenAt: Int?, reason: String?) {
            self.checked = checked
            self.brokenAt = brokenAt
            self.reason = reason
        }
    }

    /// Walks the whole chain and names the first broken link.
    public static func verify(on database: any Database, pageSize: Int = 1000) async throws -> Verification {
        var previousHash = genesisHash
        var expectedSeq = 1
        var checked = 0
        while true {
            let page = try await EventRecord.query(on: database)
                .filter(\.$id >= expectedSeq)
                .sort(\.$id, .ascending)
                .limit(pageSize)
                .all()
            if page.isEmpty { break }
            for record in page {
                let seq = record.id ?? 0
                if seq != expectedSeq {
                    return Verification(checked: checked, brokenAt: expectedSeq, reason: "entry \(expectedSeq) is missing (next entry is \(seq))")
                }
                if record.previousHash != previousHash {
                    return Verification(checked: checked, brokenAt: seq, reason: "entry \(seq) does not point to the hash of entry \(seq - 1)")
                }
                if hash(of: record) != record.hash {
                    return Verification(checked: checked, brokenAt: seq, reason: "entry \(seq) was altered: its contents no longer match its hash")
                }
                previousHash = record.hash
                expectedSeq += 1
                checked += 1
            }
        }
        if let head = try await EventChainHead.find(1, on: database), head.lastSeq != checked || head.lastHash != previousHash {
            return Verification(checked: checked, brokenAt: checked + 1,
                                reason: "the chain ends at entry \(checked) but its head records entry \(head.lastSeq): entries were removed")
        }
        return Verification(checked: checked, brokenAt: nil, reason: nil)
    }

    /// The row for `event` at position `seq`, linked to the entry before it.
    static func chained(_ event: DomainEvent, seq: Int, after previousHash: String) -> EventRecord {
        let record = EventRecord()
        record.id = seq
        record.occurredAtMilliseconds = Int64((event.occurredAt.timeIntervalSince1970 * 1000).rounded())
        record.type = event.type
        record.actorID = event.actorID
        record.actorName = event.actorName
        record.unitCode = event.unitCode
        record.subject = event.subject
        record.payload = event.payload
        record.previousHash = previousHash
        record.hash = hash(of: record)
        return record
    }

    static func hash(of record: EventRecord) -> String {
        let separator = "\u{1F}"
        let fields: [String] = [
            String(record.id ?? 0), String(record.occurredAtMilliseconds), record.type, record.actorID ?? "", record.actorName ?? "",
            record.unitCode ?? "", record.subject ?? "", record.payload, record.previousHash,
        ]
        let digest = SHA256.hash(data: Data(fields.joined(separator: separator).utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
