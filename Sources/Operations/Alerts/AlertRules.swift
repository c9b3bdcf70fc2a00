import Foundation
import Logging
import Platform
import SQLKit

/// The alert rules, kept as their JSON documents; each change is an event in the log.
struct AlertRules: Sendable {
    let database: PlatformDatabase

    func all(logger: Logger) async throws -> [AlertRule] {
        let rows = try await database.sql(logger: logger).raw("SELECT code, body FROM ioc_alert_rules ORDER BY code").all()
        return try rows.compactMap { row in
            // A column that does not read is the database's failure and stops the caller; a document that does not
            // read is this rule's, logged with the reason while the other rules run.
            let code = try row.decode(column: "code", as: String.self)
            let text = try row.decode(column: "body", as: String.self)
            do {
                return try JSONDecoder().decode(AlertRule.self, from: Data(text.utf8))
            } catch {
                logger.error("stored alert rule does not read; it raises nothing until saved again", metadata: ["rule": "\(code)", "error": "\(error)"])
                return nil
            }
        }
    }

    func save(_ rule: AlertRule, by principal: Principal, at now: Date, logger: Logger) async throws {
        let body = String(decoding: try JSONEncoder.sorted.encode(rule), as: UTF8.self)
        let milliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded())
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("""
                INSERT INTO ioc_alert_rules (code, body, created_by, updated_at_ms) VALUES (\(bind: rule.code), \(bind: body), \(bind: principal.accountID), \
                \(bind: milliseconds)) ON CONFLICT (code) DO UPDATE SET body = excluded.body, created_by = excluded.created_by, updated_at_ms = excluded.updated_at_ms
                """).run()
            try await EventLog.append(try DomainEvent(type: "operations.alert-rule.saved", actorID: principal.accountID, actorName: principal.displayName,
                                                      subject: rule.code, payload: rule), on: db)
        }
    }

    func delete(_ code: String, by principal: Principal, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard try await sql.raw("DELETE FROM ioc_alert_rules WHERE code = \(bind: code) RETURNING code").first() != nil else {
                throw Problem.notFound("No alert rule '\(code)'.")
            }
            try await EventLog.append(DomainEvent(type: "operations.alert-rule.deleted", actorID: principal.accountID, actorName: principal.displayName,
                                                  subject: code), on: db)
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
