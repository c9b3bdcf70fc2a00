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
        // Text that does not read stays as it is (a log line each): the reader skips it and logs it again, rather than
        // one bad row stopping the start.
        try await sql.raw("UPDATE ngsi_entities SET body = jsonb(body) WHERE typeof(body) = 'text' AND json_valid(body)").run()
        for row in try await sql.raw("SELECT id FROM ngsi_entities WHERE typeof(body) = 'text' LIMIT 100").all() {
            let id = try row.decode(column: "id", as: String.self)
            database.logger.error("operations: a stored entity does not read and stays as text", metadata: ["entity": "\(id)"])
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        guard sql.dialect.name != "postgresql" else { return }
        try await sql.raw("UPDATE ngsi_entities SET body = json(body) WHERE typeof(body) = 'blob'").run()
    }
}
