import FluentKit
import Foundation
import Logging
import SQLKit

/// Who runs single-instance background work when several instances share one PostgreSQL database: one row per
/// work name with its holder and when the hold lapses. The holder renews it every round; if it dies, another
/// instance takes over once the hold has lapsed. On SQLite there is one instance, and the row costs nothing.
public struct WorkLeases: Sendable {
    let database: PlatformDatabase
    /// This process, for as long as it runs: a lease names who holds it, never a fallback.
    public let holder: String
    let clock: @Sendable () -> Date

    public init(database: PlatformDatabase, holder: String, clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.holder = holder
        self.clock = clock
    }

    public static func migrations() -> [any Migration] { [CreateWorkLeases()] }

    /// Takes or renews the lease on `work` for `duration`; false while another live instance holds it.
    public func claim(_ work: String, for duration: Duration, logger: Logger) async throws -> Bool {
        let now = clock()
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let untilMs = nowMs + duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            // One statement, so two instances claiming at once cannot both win: the row either is free, lapsed or ours.
            try await sql.raw("""
                INSERT INTO work_leases (name, holder, expires_at_ms) VALUES (\(bind: work), \(bind: holder), \(bind: untilMs))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms
                WHERE work_leases.holder = excluded.holder OR work_leases.expires_at_ms < \(bind: nowMs)
                """).run()
            let row = try await sql.raw("SELECT holder FROM work_leases WHERE name = \(bind: work)").first()
            return try row?.decode(column: "holder", as: String.self) == holder
        }
    }

    /// Gives the lease up at shutdown so another instance need not wait for it to lapse.
    public func release(_ work: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("DELETE FROM work_leases WHERE name = \(bind: work) AND holder = \(bind: holder)").run()
        }
    }
}

struct CreateWorkLeases: AsyncMigration {
    var name: String { "platform.create-work-leases" }

    func prepare(on database: any Database) async throws {
        try await database.schema("work_leases")
            .field("name", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            .field("expires_at_ms", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("work_leases").delete()
    }
}
