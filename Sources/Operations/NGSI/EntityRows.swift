import Foundation
import Logging
import Platform
import SQLKit

/// Entities to and from their rows. A stored document that no longer reads is logged and skipped, never shown as
/// an empty entity.
enum EntityRows {
    static let chunk = 200
    /// The longest number PostgreSQL may print for a double (5e-324 in full).
    static let storedNumberLength = 400

    /// SQLite keeps the document as JSONB (binary, since 3.45), so `q` reads attributes without parsing the text
    /// again for every row (twice as fast over 100,000 stations); it is read back as text. A blob that is not JSONB
    /// (or text from before) comes back as text that does not read, so that row is logged and skipped rather than
    /// failing the whole query.
    static func select(_ sql: any SQLDatabase) -> SQLQueryString {
        sql.dialect.name == "postgresql" ? "SELECT id, type, body::text AS body, context FROM ngsi_entities"
            : "SELECT id, type, CASE WHEN typeof(body) = 'text' THEN body WHEN json_valid(body, 8) THEN json(body) ELSE '' END AS body, context FROM ngsi_entities"
    }

    /// An entity as its row holds it: the document's text and, on SQLite, its indexed texts (`EntityTextIndex`).
    /// Worked out before the write's transaction where the entity is stored as sent (a batch replacing stations),
    /// so SQLite's single writer thread only binds it.
    struct Form: Sendable {
        let id: String
        let type: String
        let body: String
        let context: String?
        let texts: String?

        init(_ entity: NGSIEntity, postgres: Bool) {
            (id, type, body, context) = (entity.id, entity.type, entity.body.jsonText, entity.context?.jsonText)
            texts = postgres ? nil : EntityTextIndex.texts(of: entity)
        }
    }

    /// One row's values for an insert: the document bound as text and stored as JSONB on either database.
    static func values(_ form: Form, at now: Int64, postgres: Bool) -> SQLQueryString {
        postgres ? "(\(bind: form.id), \(bind: form.type), CAST(\(bind: form.body) AS JSONB), \(bind: form.context), \(bind: now), \(bind: now))"
            : "(\(bind: form.id), \(bind: form.type), jsonb(\(bind: form.body)), \(bind: form.context), \(bind: now), \(bind: now), \(bind: form.texts))"
    }

    static func columns(postgres: Bool) -> String {
        "ngsi_entities (id, type, body, context, created_at_ms, modified_at_ms\(postgres ? "" : ", texts"))"
    }

    /// A document as the broker stored it (numbers as PostgreSQL prints them may be long).
    static func storedDocument(_ text: String) -> Result<JSONValue, JSONParser.Failure> {
        Result { () throws(JSONParser.Failure) in try JSONParser.parse(Array(text.utf8), maximumNumberLength: storedNumberLength) }
    }

    static func decode(_ rows: [any SQLRow], logger: Logger) throws -> [NGSIEntity] {
        try rows.compactMap { row in
            let id = try row.decode(column: "id", as: String.self)
            let text = try row.decode(column: "body", as: String.self)
            let contextText = try row.decode(column: "context", as: String?.self)
            let parsed = storedDocument(text)
            guard case .success(let body) = parsed, var members = body.object, let type = members["type"]?.string else {
                let reason = switch parsed { case .failure(let failure): "\(failure)"; case .success: "not an object with a type" }
                logger.error("stored NGSI-LD entity does not read; left out of the answer", metadata: ["entity": "\(id)", "reason": "\(reason)"])
                return nil
            }
            var context: JSONValue?
            if let contextText {
                switch storedDocument(contextText) {
                case .success(let value): context = value
                case .failure(let failure):
                    logger.error("stored NGSI-LD context does not read; answered with the core context", metadata: ["entity": "\(id)", "reason": "\(failure)"])
                }
            }
            members["id"] = nil
            members["type"] = nil
            return NGSIEntity(id: id, type: type, attributes: members, context: context)
        }
    }

    /// The stored entities among `ids`, locked against other writers on PostgreSQL until the transaction ends.
    static func existing(_ ids: [String], on sql: any SQLDatabase, logger: Logger) async throws -> [String: NGSIEntity] {
        var found: [String: NGSIEntity] = [:]
        // Sorted before locking, so two writers over overlapping ids take the rows in one order (no deadlock).
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " ORDER BY id FOR UPDATE" : ""
        for part in stride(from: 0, to: ids.count, by: 500) {
            let slice = Array(ids[part..<min(ids.count, part + 500)])
            let rows = try await sql.raw(select(sql) + " WHERE id IN (\(binds: slice))" + lock).all()
            let entities = try decode(rows, logger: logger)
            // A stored entity that does not read is not absent: writing over it as if new would lose it unseen.
            guard entities.count == rows.count else { throw Problem.internal() }
            for entity in entities { found[entity.id] = entity }
        }
        return found
    }

    /// Which of `ids` are stored, locked like `existing`.
    static func present(_ ids: [String], on sql: any SQLDatabase) async throws -> Set<String> {
        Set(try await types(ids, on: sql).keys)
    }

    /// The type of each stored one of `ids` (from its column, so even a document that no longer reads can be
    /// deleted), locked like `existing`.
    static func types(_ ids: [String], on sql: any SQLDatabase) async throws -> [String: String] {
        var found: [String: String] = [:]
        // Sorted before locking, so two writers over overlapping ids take the rows in one order (no deadlock).
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " ORDER BY id FOR UPDATE" : ""
        for part in stride(from: 0, to: ids.count, by: 500) {
            let slice = Array(ids[part..<min(ids.count, part + 500)])
            for row in try await sql.raw("SELECT id, type FROM ngsi_entities WHERE id IN (\(binds: slice))" + lock).all() {
                found[try row.decode(column: "id", as: String.self)] = try row.decode(column: "type", as: String.self)
            }
        }
        return found
    }

    /// Inserts or overwrites `entities` (creation time kept for those that existed).
    static func save(_ entities: [NGSIEntity], at now: Int64, on sql: any SQLDatabase) async throws {
        let postgres = sql.dialect.name == "postgresql"
        try await save(entities.map { Form($0, postgres: postgres) }, at: now, on: sql)
    }

    static func save(_ forms: [Form], at now: Int64, on sql: any SQLDatabase) async throws {
        let postgres = sql.dialect.name == "postgresql"
        for part in stride(from: 0, to: forms.count, by: chunk) {
            let rows = forms[part..<min(forms.count, part + chunk)].map { values($0, at: now, postgres: postgres) }
            let texts = postgres ? "" : ", texts = excluded.texts"
            try await sql.raw("""
                INSERT INTO \(unsafeRaw: columns(postgres: postgres)) VALUES \(rows.joined(separator: ", ")) \
                ON CONFLICT (id) DO UPDATE SET type = excluded.type, body = excluded.body, context = excluded.context, \
                modified_at_ms = excluded.modified_at_ms\(unsafeRaw: texts)
                """).run()
        }
    }

    /// Inserts the entities that do not exist yet; returns the ids inserted.
    static func insertNew(_ forms: [Form], at now: Int64, on sql: any SQLDatabase) async throws -> Set<String> {
        let postgres = sql.dialect.name == "postgresql"
        var inserted = Set<String>()
        for part in stride(from: 0, to: forms.count, by: chunk) {
            let rows = forms[part..<min(forms.count, part + chunk)].map { values($0, at: now, postgres: postgres) }
            let answer = try await sql.raw("INSERT INTO \(unsafeRaw: columns(postgres: postgres)) VALUES "
                                           + rows.joined(separator: ", ") + " ON CONFLICT (id) DO NOTHING RETURNING id").all()
            for row in answer { inserted.insert(try row.decode(column: "id", as: String.self)) }
        }
        return inserted
    }

    static func delete(_ ids: [String], on sql: any SQLDatabase) async throws {
        for part in stride(from: 0, to: ids.count, by: 500) {
            try await sql.raw("DELETE FROM ngsi_entities WHERE id IN (\(binds: Array(ids[part..<min(ids.count, part + 500)])))").run()
        }
    }
}
