import FluentKit
import Platform
import SQLKit

/// SQLite: entity documents stored before as JSON text become JSONB, which `q` reads without parsing each row's text
/// again. PostgreSQL has kept them as JSONB from the start.
struct StoreEntitiesAsJSONB: AsyncMigration {
    var name: String { "operations.ngsi.jsonb.v1" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name != "postgresql" else { return }
        try await sql.raw("UPDATE ngsi_entities SET body = jsonb(body) WHERE typeof(body) = 'text'").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name != "postgresql" else { return }
        try await sql.raw("UPDATE ngsi_entities SET body = json(body) WHERE typeof(body) = 'blob'").run()
    }
}
