import FluentKit
import Platform
import SQLKit

/// Links from incidents to other modules' cases (operations-centre alerts, field reports), by kind and reference.
struct CreateIncidentLinks: AsyncMigration {
    var name: String { "security.incident-links.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            CREATE TABLE IF NOT EXISTS soc_incident_links (incident_id TEXT NOT NULL, kind TEXT NOT NULL, reference TEXT NOT NULL, \
            linked_by TEXT NOT NULL, linked_at_ms BIGINT NOT NULL, PRIMARY KEY (incident_id, kind, reference))
            """).run()
        // The way back: a case's incidents.
        try await sql.raw("CREATE INDEX IF NOT EXISTS soc_incident_links_case ON soc_incident_links (kind, reference)").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await sql.drop(table: "soc_incident_links").ifExists().run()
    }
}
