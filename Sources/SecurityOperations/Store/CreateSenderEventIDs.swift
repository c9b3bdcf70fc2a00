import FluentKit
import Platform
import SQLKit

/// The sender's own id of an event (ECS `event.id`), unique per unit and host: a shipper that sends a batch again
/// (its request timed out after the batch was stored) stores nothing twice and raises no alert twice.
struct CreateSenderEventIDs: AsyncMigration {
    var name: String { "security.sender-event-ids.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("ALTER TABLE soc_events ADD COLUMN sender_event_id TEXT").run()
        try await sql.raw("""
            CREATE UNIQUE INDEX IF NOT EXISTS soc_events_sender_id ON soc_events (unit_code, COALESCE(host_name, ''), sender_event_id) \
            WHERE sender_event_id IS NOT NULL
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("DROP INDEX IF EXISTS soc_events_sender_id").run()
        try await sql.raw("ALTER TABLE soc_events DROP COLUMN sender_event_id").run()
    }
}
