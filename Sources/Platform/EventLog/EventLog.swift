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

    public static func migrations() -> [any Migration] { [CreateEventLog(), CreateEventInbox(), CreateEventCheckpoints()] }

    /// Appends `event` in the transaction `database` belongs to.
    ///
    /// SQLite has one writer (the group-commit batch), so the entry is chained at once. PostgreSQL writers may be
    /// many, on many instances: the entry goes to the inbox without taking any lock, and `seal` chains it moments
    /// later (see docs/event-log.md). Either way it commits with the caller's change or not at all.
    public static func append(_ event: DomainEvent, on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        ChangeTopics.pending?.note(event.type)
        if sql.dialect.name == "postgresql" { return try await EventInbox.insert([event], on: sql) }
        let head = try await chainHead(on: sql)
        let record = chained(event, seq: head.seq + 1, after: head.hash)
        // One entry, the common case: plain SQL, so no builder re-escapes the same identifiers on every write.
        let fields = record.fields
        try await sql.raw("""
            INSERT INTO event_log (seq, occurred_at_ms, type, actor_id, actor_name, unit_code, subject, payload, prev_hash, hash) VALUES \
            (\(bind: record.seq), \(bind: fields.occurredAtMilliseconds), \(bind: fields.type), \(bind: fields.actorID), \(bind: fields.actorName), \
            \(bind: fields.unitCode), \(bind: fields.subject), \(bind: fields.payload), \(bind: record.previousHash), \(bind: record.hash))
            """).run()
        try await moveChainHead(to: .init(seq: record.seq, hash: record.hash), on: sql)
    }

    /// The head in this write: the batch's own view on the SQLite writer, else the stored row.
    static func chainHead(on sql: any SQLDatabase) async throws -> BatchChainHead.Head {
        if let known = BatchChainHead.current?.known { return known }
        guard let row = try await sql.raw("SELECT last_seq, last_hash FROM event_chain WHERE id = 1").first() else { throw Problem.internal() }
        let head = BatchChainHead.Head(seq: try row.decode(column: "last_seq", as: Int.self), hash: try row.decode(column: "last_hash", as: String.self))
        BatchChainHead.current?.learn(head)
        return head
    }

    /// Records the new head: in the batch's view (written back once before COMMIT), else in the stored row.
    static func moveChainHead(to head: BatchChainHead.Head, on sql: any SQLDatabase) async throws {
        if let batch = BatchChainHead.current {
            batch.advance(to: head)
        } else {
            try await writeChainHead(head, on: sql)
        }
    }

    static func writeChainHead(_ head: BatchChainHead.Head, on sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE event_chain SET last_seq = \(bind: head.seq), last_hash = \(bind: head.hash) WHERE id = 1").run()
    }

    /// Appends many events with one read and one write of the chain head: for imports and demo histories, where
    /// one statement per event would dominate. The chain is exactly what appending them one by one would give.
    /// On PostgreSQL it chains them directly, holding the sealer's lock until the import commits.
    public static func append(contentsOf events: [DomainEvent], on database: any Database) async throws {
        guard !events.isEmpty else { return }
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        for type in Set(events.map(\.type)) { ChangeTopics.pending?.note(type) }
        if sql.dialect.name == "postgresql" { try await EventInbox.lockChain(on: sql) }
        let head = try await chainHead(on: sql)
        var seq = head.seq
        var previous = head.hash
        var records: [ChainedEntry] = []
        records.reserveCapacity(events.count)
        for event in events {
            seq += 1
            let record = chained(event, seq: seq, after: previous)
            previous = record.hash
            records.append(record)
        }
        try await insert(records, on: sql)
        try await moveChainHead(to: .init(seq: seq, hash: previous), on: sql)
    }

    /// Writes chained rows with SQLKit and a column list known once: the hottest insert in the platform, so no model
    /// reflection per row.
    static func insert(_ records: [ChainedEntry], on sql: any SQLDatabase) async throws {
        for chunk in stride(from: 0, to: records.count, by: 500) {
            var insert = sql.insert(into: EventRecord.schema)
                .columns("seq", "occurred_at_ms", "type", "actor_id", "actor_name", "unit_code", "subject", "payload", "prev_hash", "hash")
            for record in records[chunk..<min(chunk + 500, records.count)] {
                let fields = record.fields
                insert = insert.values([SQLBind(record.seq), SQLBind(fields.occurredAtMilliseconds), SQLBind(fields.type), SQLBind(fields.actorID),
                                        SQLBind(fields.actorName), SQLBind(fields.unitCode), SQLBind(fields.subject), SQLBind(fields.payload),
                                        SQLBind(record.previousHash), SQLBind(record.hash)])
            }
            try await insert.run()
        }
    }

    /// Entries after `cursor`, oldest first: how consumers build projections.
    public static func read(after cursor: Int, limit: Int = 500, on database: any Database) async throws -> [LoggedEvent] {
        try await seal(on: database)
        return try await EventRecord.query(on: database)
            .filter(\.$id > cursor)
            .sort(\.$id, .ascending)
            .limit(max(1, min(limit, 5000)))
            .all()
            .map(\.logged)
    }

    public static func latestSeq(on database: any Database) async throws -> Int {
        try await seal(on: database)
        return try await EventChainHead.find(1, on: database)?.lastSeq ?? 0
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
        try await seal(on: database)
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
    static func chained(_ event: DomainEvent, seq: Int, after previousHash: String) -> ChainedEntry {
        chained(ChainedEntry.Fields(occurredAtMilliseconds: Int64((event.occurredAt.timeIntervalSince1970 * 1000).rounded()), type: event.type,
                                    actorID: event.actorID, actorName: event.actorName, unitCode: event.unitCode, subject: event.subject,
                                    payload: event.payload), seq: seq, after: previousHash)
    }

    static func chained(_ fields: ChainedEntry.Fields, seq: Int, after previousHash: String) -> ChainedEntry {
        ChainedEntry(seq: seq, fields: fields, previousHash: previousHash,
                     hash: hash(seq: seq, fields, previousHash: previousHash))
    }

    static func hash(of record: EventRecord) -> String {
        hash(seq: record.id ?? 0, ChainedEntry.Fields(occurredAtMilliseconds: record.occurredAtMilliseconds, type: record.type, actorID: record.actorID,
                                                      actorName: record.actorName, unitCode: record.unitCode, subject: record.subject,
                                                      payload: record.payload), previousHash: record.previousHash)
    }

    static func hash(seq: Int, _ fields: ChainedEntry.Fields, previousHash: String) -> String {
        let separator = "\u{1F}"
        let parts: [String] = [
            String(seq), String(fields.occurredAtMilliseconds), fields.type, fields.actorID ?? "", fields.actorName ?? "",
            fields.unitCode ?? "", fields.subject ?? "", fields.payload, previousHash,
        ]
        let digest = SHA256.hash(data: Data(parts.joined(separator: separator).utf8))
        return digest.hexString
    }
}

/// One entry as the chain stores it: what happened, where it sits, and the hash that seals it.
struct ChainedEntry: Sendable {
    /// What the entry says, without its place in the chain (what the PostgreSQL inbox holds until it is sealed).
    struct Fields: Sendable {
        var occurredAtMilliseconds: Int64
        var type: String
        var actorID: String?
        var actorName: String?
        var unitCode: String?
        var subject: String?
        var payload: String
    }

    var seq: Int
    var fields: Fields
    var previousHash: String
    var hash: String
}
