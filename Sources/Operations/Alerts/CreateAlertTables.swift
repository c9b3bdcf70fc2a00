import FluentKit
import Platform
import SQLKit

/// The alert rules and the alerts they raise. At most one alert per rule and sensor is alive (not closed) at a
/// time, enforced by a partial unique index, so two instances evaluating at once cannot raise it twice.
struct CreateAlertTables: AsyncMigration {
    var name: String { "operations.alerts.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        let real = sql.dialect.name == "postgresql" ? "DOUBLE PRECISION" : "REAL"
        for statement in [
            "CREATE TABLE ioc_alert_rules (code TEXT PRIMARY KEY, body TEXT NOT NULL, created_by TEXT NOT NULL, updated_at_ms BIGINT NOT NULL)",
            """
            CREATE TABLE ioc_alerts (id TEXT PRIMARY KEY, rule_code TEXT NOT NULL, subject TEXT NOT NULL, unit_code TEXT NOT NULL, severity TEXT NOT NULL, \
            state TEXT NOT NULL, value \(real) NOT NULL, observed_at_ms BIGINT NOT NULL, raised_at_ms BIGINT NOT NULL, cleared_at_ms BIGINT, \
            acknowledged_by TEXT, acknowledged_at_ms BIGINT, assigned_to TEXT, closed_by TEXT, closed_at_ms BIGINT, close_reason TEXT)
            """,
            "CREATE UNIQUE INDEX ioc_alerts_alive ON ioc_alerts (rule_code, subject) WHERE state <> 'closed'",
            "CREATE INDEX ioc_alerts_recent ON ioc_alerts (raised_at_ms)",
        ] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("DROP TABLE IF EXISTS ioc_alerts").run()
        try await sql.raw("DROP TABLE IF EXISTS ioc_alert_rules").run()
    }
}
