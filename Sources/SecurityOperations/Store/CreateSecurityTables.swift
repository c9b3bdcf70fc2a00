import FluentKit
import Platform
import SQLKit

/// The SOC's own tables: the events as normalised (with the bytes as they arrived, malformed ones too), the alerts
/// rules raised, the incidents they are grouped into with their notes, the units' ingest keys, the units'
/// computers as events show them, and each rule's hit count.
struct CreateSecurityTables: AsyncMigration {
    var name: String { "security.tables.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        for statement in [
            """
            CREATE TABLE IF NOT EXISTS soc_events (id TEXT PRIMARY KEY, unit_code TEXT NOT NULL, source TEXT NOT NULL, \
            occurred_at_ms BIGINT NOT NULL, received_at_ms BIGINT NOT NULL, host_name TEXT, category TEXT, event_type TEXT, \
            fields TEXT NOT NULL, raw_base64 TEXT NOT NULL, malformed TEXT)
            """,
            "CREATE INDEX IF NOT EXISTS soc_events_unit_time ON soc_events (unit_code, occurred_at_ms)",
            "CREATE INDEX IF NOT EXISTS soc_events_time ON soc_events (occurred_at_ms)",
            """
            CREATE TABLE IF NOT EXISTS soc_incidents (id TEXT PRIMARY KEY, unit_code TEXT NOT NULL, host_name TEXT NOT NULL, \
            rule_id TEXT NOT NULL, title TEXT NOT NULL, level TEXT NOT NULL, state TEXT NOT NULL, alert_count BIGINT NOT NULL, \
            opened_at_ms BIGINT NOT NULL, last_alert_at_ms BIGINT NOT NULL, assigned_to TEXT, acknowledged_by TEXT, \
            acknowledged_at_ms BIGINT, closed_by TEXT, closed_at_ms BIGINT, close_reason TEXT)
            """,
            "CREATE INDEX IF NOT EXISTS soc_incidents_group ON soc_incidents (rule_id, unit_code, host_name, state)",
            "CREATE INDEX IF NOT EXISTS soc_incidents_recent ON soc_incidents (last_alert_at_ms)",
            """
            CREATE TABLE IF NOT EXISTS soc_alerts (id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, event_id TEXT NOT NULL, \
            rule_id TEXT NOT NULL, level TEXT NOT NULL, unit_code TEXT NOT NULL, host_name TEXT NOT NULL, raised_at_ms BIGINT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS soc_alerts_incident ON soc_alerts (incident_id, raised_at_ms)",
            "CREATE INDEX IF NOT EXISTS soc_alerts_recent ON soc_alerts (raised_at_ms)",
            """
            CREATE TABLE IF NOT EXISTS soc_incident_notes (id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, author TEXT NOT NULL, \
            written_at_ms BIGINT NOT NULL, body TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS soc_incident_notes_incident ON soc_incident_notes (incident_id, written_at_ms)",
            """
            CREATE TABLE IF NOT EXISTS soc_ingest_keys (key_digest TEXT PRIMARY KEY, unit_code TEXT NOT NULL, label TEXT NOT NULL, \
            created_by TEXT NOT NULL, created_at_ms BIGINT NOT NULL, revoked_at_ms BIGINT)
            """,
            """
            CREATE TABLE IF NOT EXISTS soc_endpoints (unit_code TEXT NOT NULL, host_name TEXT NOT NULL, agent_version TEXT, \
            antivirus TEXT, first_seen_at_ms BIGINT NOT NULL, last_seen_at_ms BIGINT NOT NULL, PRIMARY KEY (unit_code, host_name))
            """,
            """
            CREATE TABLE IF NOT EXISTS soc_rule_hits (rule_id TEXT PRIMARY KEY, hits BIGINT NOT NULL, last_hit_at_ms BIGINT NOT NULL)
            """,
        ] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        for table in ["soc_rule_hits", "soc_endpoints", "soc_ingest_keys", "soc_incident_notes", "soc_alerts", "soc_incidents", "soc_events"] {
            try await sql.drop(table: table).ifExists().run()
        }
    }
}
