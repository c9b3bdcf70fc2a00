import FluentKit
import Foundation
import SQLKit

/// PostgreSQL's way into the chain without a lock every writer in the cluster waits on.
///
/// Writers insert their entries here, in their own transaction, taking no lock (a sequence gives each row an id).
/// The sealer moves what has committed into `event_log` in one transaction: it takes a transaction-scoped advisory
/// lock (so two sealers, on any instances, take turns), reads the inbox in id order, chains the rows after the head,
/// inserts them, deletes them from the inbox and moves the head. The chain's order is the order of sealing: a row
/// that commits late (a lower id than one already sealed) is sealed in a later round, after it, and that is still one
/// total order that every verification walks. See docs/event-log.md.
enum EventInbox {
    static let schema = "event_inbox"
    /// The advisory lock that serialises sealing and bulk appends (any 64-bit number the platform owns).
    static let chainLock: Int64 = 0x4875_6553_4556_4C47
    static let batchSize = 2000

    static func insert(_ events: [DomainEvent], on sql: any SQLDatabase) async throws {
        if events.count == 1, let event = events.first {
            // The common case in plain SQL: no builder re-escaping the same identifiers on every write.
            try await sql.raw("""
                INSERT INTO event_inbox (occurred_at_ms, type, actor_id, actor_name, unit_code, subject, payload) VALUES \
                (\(bind: Int64((event.occurredAt.timeIntervalSince1970 * 1000).rounded())), \(bind: event.type), \(bind: event.actorID), \
                \(bind: event.actorName), \(bind: event.unitCode), \(bind: event.subject), \(bind: event.payload))
                """).run()
            return
        }
        var insert = sql.insert(into: schema).columns("occurred_at_ms", "type", "actor_id", "actor_name", "unit_code", "subject", "payload")
        for event in events {
            insert = insert.values([SQLBind(Int64((event.occurredAt.timeIntervalSince1970 * 1000).rounded())), SQLBind(event.type),
                                    SQLBind(event.actorID), SQLBind(event.actorName), SQLBind(event.unitCode), SQLBind(event.subject),
                                    SQLBind(event.payload)])
        }
        try await insert.run()
    }

    /// Waits for any sealer or bulk append in progress, then holds the chain until this transaction ends.
    static func lockChain(on sql: any SQLDatabase) async throws {
        try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: chainLock))").run()
    }

    /// Seals one batch in its own transaction; returns how many entries it chained.
    static func sealBatch(on database: any Database) async throws -> Int {
        try await database.transaction { transaction in
            guard let sql = transaction as? any SQLDatabase else { throw Problem.internal() }
            try await lockChain(on: sql)
            let rows = try await sql.raw("""
                SELECT id, occurred_at_ms, type, actor_id, actor_name, unit_code, subject, payload FROM event_inbox ORDER BY id LIMIT \(unsafeRaw: String(batchSize))
                """).all()
            guard !rows.isEmpty else { return 0 }
            guard let head = try await sql.raw("SELECT last_seq, last_hash FROM event_chain WHERE id = 1").first() else { throw Problem.internal() }
            var seq = try head.decode(column: "last_seq", as: Int.self)
            var previous = try head.decode(column: "last_hash", as: String.self)
            var entries: [ChainedEntry] = []
            var ids: [Int64] = []
            for row in rows {
                seq += 1
                let fields = ChainedEntry.Fields(
                    occurredAtMilliseconds: try row.decode(column: "occurred_at_ms", as: Int64.self), type: try row.decode(column: "type", as: String.self),
                    actorID: try row.decode(column: "actor_id", as: String?.self), actorName: try row.decode(column: "actor_name", as: String?.self),
                    unitCode: try row.decode(column: "unit_code", as: String?.self), subject: try row.decode(column: "subject", as: String?.self),
                    payload: try row.decode(column: "payload", as: String.self))
                let entry = EventLog.chained(fields, seq: seq, after: previous)
                previous = entry.hash
                entries.append(entry)
                ids.append(try row.decode(column: "id", as: Int64.self))
            }
            try await EventLog.insert(entries, on: sql)
            try await sql.delete(from: schema).where("id", .in, ids).run()
            try await sql.update(EventChainHead.schema).set("last_seq", to: seq).set("last_hash", to: previous).where("id", .equal, 1).run()
            return rows.count
        }
    }
}

extension EventLog {
    /// Chains everything committed to the PostgreSQL inbox so far (nothing to do on SQLite, which chains at once).
    /// Readers of the log call it first, so they read their own writes; a background round calls it every moment so
    /// entries are protected by the chain soon after they commit even when nobody reads.
    @discardableResult
    public static func seal(on database: any Database) async throws -> Int {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name == "postgresql" else { return 0 }
        var sealed = 0
        while true {
            let batch = try await EventInbox.sealBatch(on: database)
            sealed += batch
            if batch < EventInbox.batchSize { return sealed }
        }
    }

    /// How many entries wait in the PostgreSQL inbox, unsealed, and how old the oldest is.
    public static func unsealed(on database: any Database) async throws -> (count: Int, oldest: Date?) {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name == "postgresql" else { return (0, nil) }
        guard let row = try await sql.raw("SELECT count(*) AS n, min(occurred_at_ms) AS oldest FROM event_inbox").first() else { return (0, nil) }
        let oldest = try row.decode(column: "oldest", as: Int64?.self)
        return (try row.decode(column: "n", as: Int.self), oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) })
    }
}

struct CreateEventInbox: AsyncMigration {
    var name: String { "platform.create-event-inbox" }

    func prepare(on database: any Database) async throws {
        try await database.schema(EventInbox.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("occurred_at_ms", .int64, .required)
            .field("type", .string, .required)
            .field("actor_id", .string)
            .field("actor_name", .string)
            .field("unit_code", .string)
            .field("subject", .string)
            .field("payload", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(EventInbox.schema).delete()
    }
}
