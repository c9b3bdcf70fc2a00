import FluentKit
import Platform
import SQLKit

/// SQLite: the index of entities' short text values (`EntityTextIndex`), its triggers, and the entities stored before
/// it indexed. PostgreSQL reads its JSONB columns as they are. Every step may run again (Fluent does not wrap a
/// migration in a transaction, so one stopped half way is retried whole at the next start), and a stored document
/// that does not read is left unindexed with a log line rather than stopping the start.
struct IndexEntityTexts: AsyncMigration {
    var name: String { "operations.ngsi.texts.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name != "postgresql" else { return }
        let fill = "INSERT OR IGNORE INTO ngsi_text_values (attribute, value, entity_id) "
            + "SELECT json_extract(pair.value, '$[0]'), json_extract(pair.value, '$[1]'), new.id FROM json_each(new.texts) AS pair"
        let columns = try await sql.raw("SELECT name FROM pragma_table_info('ngsi_entities')").all().map { try $0.decode(column: "name", as: String.self) }
        if !columns.contains("texts") { try await sql.raw("ALTER TABLE ngsi_entities ADD COLUMN texts TEXT").run() }
        for statement in [
            "CREATE TABLE IF NOT EXISTS ngsi_text_values (attribute TEXT NOT NULL, value TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (attribute, value, entity_id)) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS ngsi_text_values_entity ON ngsi_text_values (entity_id)",
            "CREATE TRIGGER IF NOT EXISTS ngsi_texts_inserted AFTER INSERT ON ngsi_entities WHEN new.texts IS NOT NULL BEGIN \(fill); END",
            """
            CREATE TRIGGER IF NOT EXISTS ngsi_texts_updated AFTER UPDATE OF texts ON ngsi_entities WHEN old.texts IS NOT new.texts BEGIN \
            DELETE FROM ngsi_text_values WHERE entity_id = old.id; \(fill) WHERE new.texts IS NOT NULL; END
            """,
            "CREATE TRIGGER IF NOT EXISTS ngsi_texts_deleted AFTER DELETE ON ngsi_entities WHEN old.texts IS NOT NULL BEGIN DELETE FROM ngsi_text_values WHERE entity_id = old.id; END",
            "UPDATE ngsi_entities SET texts = nullif(\(EntityTextIndex.textsFromBody), '[]') WHERE \(Self.readable)",
        ] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
        let unread = try await sql.raw(SQLQueryString("SELECT id FROM ngsi_entities WHERE NOT (" + Self.readable + ") LIMIT 100")).all()
        for row in unread {
            let id = try row.decode(column: "id", as: String.self)
            database.logger.error("operations: a stored entity does not read and is left out of the index of texts", metadata: ["entity": "\(id)"])
        }
    }

    /// A document SQLite's JSON functions can walk: JSONB, or JSON text.
    static let readable = "((typeof(body) = 'blob' AND json_valid(body, 8)) OR (typeof(body) = 'text' AND json_valid(body)))"

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name != "postgresql" else { return }
        for statement in ["DROP TRIGGER IF EXISTS ngsi_texts_inserted", "DROP TRIGGER IF EXISTS ngsi_texts_updated", "DROP TRIGGER IF EXISTS ngsi_texts_deleted",
                          "DROP TABLE IF EXISTS ngsi_text_values", "ALTER TABLE ngsi_entities DROP COLUMN texts"] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
