import FluentKit
import Foundation
import Logging
import Synchronization
import SQLKit

/// Daily request quotas, counted in the database so that every instance and every restart share one count.
///
/// Counting each request with a write would put a durable commit on every read, so each instance reserves a
/// block of the day's allowance at a time (a fiftieth of it, at most 100 requests, one at a time for quotas of
/// 50 or less) and spends it from memory. A client can therefore be refused up to one block per instance early,
/// never let past its quota; a block an instance had not spent when it stopped counts as used.
public final class DailyQuotas: Sendable {
    struct Key: Hashable {
        let rule: String
        let client: String
        let day: String
    }

    /// What this instance holds: requests reserved and not yet spent, the reservation under way for each key
    /// (one at a time, so a crowd arriving at once does not reserve a block each), and the quotas found spent.
    struct Holdings {
        var day = ""
        var left: [Key: Int] = [:]
        var underWay: [Key: Task<Void, any Error>] = [:]
        var spent: Set<Key> = []

        /// A new day starts everyone afresh; past the bound, unspent blocks are dropped (they count as used).
        mutating func enter(_ day: String) {
            if day != self.day || left.count + spent.count > DailyQuotas.maxKeys {
                self = Holdings(day: day, underWay: underWay)
            }
        }
    }

    static let maxKeys = 100_000
    /// Reservations under way at once, whoever asks: a crowd of new clients (or of invented addresses) can take a
    /// few database connections, never the pool.
    static let maxReservations = 4

    let database: PlatformDatabase
    private let holdings = Mutex(Holdings())

    public init(database: PlatformDatabase) {
        self.database = database
    }

    public static func migrations() -> [any Migration] { [CreateRequestQuotas()] }

    static func block(for limit: Int) -> Int { limit <= 50 ? 1 : min(limit / 50, 100) }

    /// Takes one request from `client`'s allowance under `rule` for `day`; false once the day's quota is spent.
    public func take(rule: String, client: String, day: String, limit: Int, logger: Logger) async throws -> Bool {
        let key = Key(rule: rule, client: String(client.prefix(200)), day: day)
        while true {
            let next = try holdings.withLock { holdings -> Task<Void, any Error>? in
                holdings.enter(key.day)
                if let left = holdings.left[key], left > 0 {
                    holdings.left[key] = left - 1
                    return nil
                }
                if holdings.spent.contains(key) { return nil }
                if let underWay = holdings.underWay[key] { return underWay }
                guard holdings.underWay.count < Self.maxReservations else {
                    throw Problem.tooManyRequests(retryAfterSeconds: 1, detail: "Many clients are starting their daily quota at once; try again in a moment.")
                }
                let task = Task { try await self.refill(key, limit: limit, logger: logger) }
                holdings.underWay[key] = task
                return task
            }
            guard let next else {
                // Either a request was taken, or the quota is known to be spent (no database round trip per refusal).
                return !holdings.withLock { $0.spent.contains(key) }
            }
            try await next.value
        }
    }

    /// Reserves the next block and records it, before anyone waiting on this reservation looks again.
    private func refill(_ key: Key, limit: Int, logger: Logger) async throws {
        let granted: Int
        do {
            granted = try await reserve(key, block: Self.block(for: limit), limit: limit, logger: logger)
        } catch {
            holdings.withLock { _ = $0.underWay.removeValue(forKey: key) }
            throw error
        }
        holdings.withLock { holdings in
            holdings.underWay[key] = nil
            // A block reserved for a day that has ended here meanwhile is worth nothing.
            guard holdings.day == key.day else { return }
            if granted > 0 { holdings.left[key, default: 0] += granted } else { holdings.spent.insert(key) }
        }
    }

    /// Moves up to `block` requests from the day's allowance into this instance; how many it got (0: none left).
    private func reserve(_ key: Key, block: Int, limit: Int, logger: Logger) async throws -> Int {
        let lock = database.kind == .postgres ? " FOR UPDATE" : ""
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("""
                INSERT INTO request_quotas (rule, client, day, used) VALUES (\(bind: key.rule), \(bind: key.client), \(bind: key.day), 0)
                ON CONFLICT (rule, client, day) DO NOTHING
                """).run()
            // The row is locked (PostgreSQL) or the writer is alone (SQLite) from this read to the update.
            let row = try await sql.raw("""
                SELECT used FROM request_quotas WHERE rule = \(bind: key.rule) AND client = \(bind: key.client) AND day = \(bind: key.day)\(unsafeRaw: lock)
                """).first()
            let used = try row?.decode(column: "used", as: Int.self) ?? limit
            let granted = max(0, min(block, limit - used))
            guard granted > 0 else { return 0 }
            try await sql.raw("""
                UPDATE request_quotas SET used = used + \(bind: granted)
                WHERE rule = \(bind: key.rule) AND client = \(bind: key.client) AND day = \(bind: key.day)
                """).run()
            return granted
        }
    }

    /// Today's counts (reserved by instances, so up to a block ahead of what was spent), for operators.
    public func usage(day: String, logger: Logger) async throws -> [(rule: String, client: String, used: Int)] {
        let sql = try database.sql(logger: logger)
        let rows = try await sql.raw("""
            SELECT rule, client, used FROM request_quotas WHERE day = \(bind: day) ORDER BY rule, used DESC, client LIMIT 1000
            """).all()
        return try rows.map { (try $0.decode(column: "rule", as: String.self), try $0.decode(column: "client", as: String.self),
                               try $0.decode(column: "used", as: Int.self)) }
    }

    /// Forgets counts older than `keepFrom` (a day as `YYYY-MM-DD`).
    public func prune(before keepFrom: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("DELETE FROM request_quotas WHERE day < \(bind: keepFrom)").run()
        }
    }
}

struct CreateRequestQuotas: AsyncMigration {
    var name: String { "platform.create-request-quotas" }

    func prepare(on database: any Database) async throws {
        try await database.schema("request_quotas")
            .field("rule", .string, .required)
            .field("client", .string, .required)
            .field("day", .string, .required)
            .field("used", .int64, .required)
            .compositeIdentifier(over: "rule", "client", "day")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("request_quotas").delete()
    }
}
