import FluentKit
import Platform
import SQLKit

/// What the live figures are kept in: tallies per period (and unit and category), the things open now (reports,
/// alerts) or seen in the period (accounts signed in today), and each figure's city value by minute, hour and day.
/// Unit and category are "" in a tally that has none, so they can be part of its key.
struct CreateLiveFigureTables: AsyncMigration {
    var name: String { "operations.live-figures.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        let real = sql.dialect.name == "postgresql" ? "DOUBLE PRECISION" : "REAL"
        for statement in [
            """
            CREATE TABLE ioc_live_tallies (figure TEXT NOT NULL, period TEXT NOT NULL, unit_code TEXT NOT NULL, category TEXT NOT NULL, \
            part BIGINT NOT NULL, whole BIGINT NOT NULL, PRIMARY KEY (figure, period, unit_code, category))
            """,
            """
            CREATE TABLE ioc_live_items (figure TEXT NOT NULL, period TEXT NOT NULL, item TEXT NOT NULL, unit_code TEXT, category TEXT, \
            due_at_ms BIGINT, is_open SMALLINT NOT NULL, PRIMARY KEY (figure, period, item))
            """,
            "CREATE INDEX ioc_live_items_open ON ioc_live_items (figure, period, is_open, due_at_ms)",
            """
            CREATE TABLE ioc_live_series (figure TEXT NOT NULL, resolution TEXT NOT NULL, bucket_ms BIGINT NOT NULL, value \(real), \
            PRIMARY KEY (figure, resolution, bucket_ms))
            """,
        ] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        for table in ["ioc_live_series", "ioc_live_items", "ioc_live_tallies"] {
            try await sql.raw("DROP TABLE IF EXISTS \(ident: table)").run()
        }
    }
}
