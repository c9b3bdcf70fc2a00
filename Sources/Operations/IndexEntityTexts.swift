import FluentKit
import Platform
import SQLKit

/// SQLite: the index of entities' short text values (`EntityTextIndex`), its triggers, and the entities stored before
/// it indexed. PostgreSQL reads its JSONB columns as they are.
struct IndexEntityTexts: AsyncMigration {
    var name: String { "operations.ngsi.texts.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name != "postgresql" else { return }
        let fill = "INSERT OR IGNORE INTO ngsi_text_values (attribute, value, entity_id) "
            + "SELECT json_extract(pair.value, '$[0]'), json_extract(pair.value, '$[1]'), new.id FROM json_each(new.texts) AS pair"
        for statement in [
            "CREATE TABLE ngsi_text_values (attribute TEXT NOT NULL, value TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (attribute, value, entity_id)) WITHOUT ROWID",
            "CREATE INDEX ngsi_text_values_entity ON ngsi_text_values (entity_id)",
            "ALTER TABLE ngsi_entities ADD COLUMN texts TEXT",
            "CREATE TRIGGER ngsi_texts_inserted AFTER INSERT ON ngsi_entities WHEN new.texts IS NOT NULL BEGIN \(fill); END",
            """
            CREATE TRIGGER ngsi_texts_updated AFTER UPDATE OF texts ON ngsi_entities WHEN old.texts IS NOT new.texts BEGIN \
            DELETE FROM ngsi_text_values WHERE entity_id = old.id; \(fill) WHERE new.texts IS NOT NULL; END
            """,
            "CREATE TRIGGER ngsi_texts_deleted AFTER DELETE ON ngsi_entities WHEN old.texts IS NOT NULL BEGIN DELETE FROM ngsi_text_values WHERE entity_id = old.id; END",
            "UPDATE ngsi_entities SET texts = nullif(\(EntityTextIndex.textsFromBody), '[]')",
        ] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name != "postgresql" else { return }
        for statement in ["DROP TRIGGER ngsi_texts_inserted", "DROP TRIGGER ngsi_texts_updated", "DROP TRIGGER ngsi_texts_deleted",
                          "DROP TABLE ngsi_text_values", "ALTER TABLE ngsi_entities DROP COLUMN texts"] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }
}
