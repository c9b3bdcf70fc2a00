import FluentKit
import Platform
import SQLKit

/// How far the retention sweep has summarised readings (`ngsi_summarised.through_ms`: every hour before it may have
/// hourly figures, none after; 0 before the first round), so a write of old readings asks the figures only when it
/// reaches behind the mark (`SummarisedHours`). One row, moved by the sweep in the transaction that rolls readings
/// up. A database summarised before the mark existed gets it from its figures.
struct MarkSummarisedHours: AsyncMigration {
    var name: String { "operations.ngsi.summarised.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("CREATE TABLE IF NOT EXISTS ngsi_summarised (id INTEGER PRIMARY KEY CHECK (id = 1), through_ms BIGINT NOT NULL)").run()
        try await sql.raw("""
            INSERT INTO ngsi_summarised (id, through_ms) SELECT 1, COALESCE(MAX(hour_ms) + \(bind: SensorRetention.hour), 0) FROM ngsi_readings_hourly \
            WHERE true ON CONFLICT (id) DO NOTHING
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("DROP TABLE IF EXISTS ngsi_summarised").run()
    }

    /// Moves the mark to `end` (never back), first in the sweep's transaction: on PostgreSQL it waits for writers
    /// that read the mark to commit (their readings are then rolled up with the rest), and writers after it wait
    /// for the sweep and read the new mark.
    static func advance(to end: Int64, on sql: any SQLDatabase) async throws {
        let greatest = sql.dialect.name == "postgresql" ? "GREATEST" : "MAX"
        try await sql.raw("""
            INSERT INTO ngsi_summarised (id, through_ms) VALUES (1, \(bind: end)) \
            ON CONFLICT (id) DO UPDATE SET through_ms = \(unsafeRaw: greatest)(ngsi_summarised.through_ms, excluded.through_ms)
            """).run()
    }

    /// Where the mark stands (0 before the sweep first summarised anything). On PostgreSQL the row stays shared-locked
    /// until the writer's transaction ends, so the sweep cannot summarise an hour between the check and the write.
    static func mark(on sql: any SQLDatabase) async throws -> Int64? {
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR SHARE" : ""
        return try await sql.raw("SELECT through_ms FROM ngsi_summarised WHERE id = 1" + lock).first()?.decode(column: "through_ms", as: Int64.self)
    }
}
