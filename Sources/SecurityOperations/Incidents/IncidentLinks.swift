import Foundation
import Logging
import Platform
import SQLKit

/// An incident's links to the operations centre's alerts and to field reports, and the way back from those cases to
/// their incidents (`SecurityIncidentLinks`, which the other modules ask). A link names a case its module describes
/// (`CaseDirectory`); one that no module knows is refused, and a link made twice is one link.
public struct IncidentLinks: SecurityIncidentLinks {
    /// At most this many links per incident: a link is a pointer an analyst chose, not a bulk import.
    static let maximumPerIncident = 50

    let database: PlatformDatabase
    /// Where the modules describing cases are found once every module is built.
    let capabilities: Capabilities
    let clock: @Sendable () -> Date

    func directory(_ kind: String) -> (any CaseDirectory)? { capabilities.all((any CaseDirectory).self).first { $0.kind == kind } }
    var kinds: [String] { capabilities.all((any CaseDirectory).self).map(\.kind).sorted() }

    /// The cases linked to `incident`, as their modules describe them now (a case since removed shows as its reference).
    /// `units`: the reader sees only cases of these units (a unit's staff: not another unit's alert or private
    /// report); nil: every case (the SOC).
    func cases(of incident: String, units: [String]?, logger: Logger) async throws -> [LinkedCase] {
        let rows = try await database.sql(logger: logger).raw("""
            SELECT kind, reference FROM soc_incident_links WHERE incident_id = \(bind: incident) ORDER BY linked_at_ms, kind, reference \
            LIMIT \(bind: Self.maximumPerIncident)
            """).all()
        var cases: [LinkedCase] = []
        for row in rows {
            let kind = try row.decode(column: "kind", as: String.self)
            let reference = try row.decode(column: "reference", as: String.self)
            let described = try await directory(kind)?.linkedCase(reference, logger: logger)
            let shown = described ?? LinkedCase(kind: kind, reference: reference, title: reference, unit: "", state: "unknown", path: "")
            if let units, !units.contains(shown.unit) { continue }
            cases.append(shown)
        }
        return cases
    }

    /// Links `incident` to the case `kind`/`reference`, which its module must know; logged as an event.
    func link(_ incident: SecurityIncident, kind: String, reference: String, by principal: Principal, logger: Logger) async throws -> LinkedCase {
        guard let directory = directory(kind) else {
            throw Problem.unprocessable([.init(field: "kind", message: "one of \(kinds.joined(separator: ", "))")])
        }
        guard (1...100).contains(reference.utf8.count), !IncidentInput.hasControl(reference, allowingNewlines: false),
              let found = try await directory.linkedCase(reference, logger: logger) else {
            throw Problem.unprocessable([.init(field: "reference", message: "no \(kind) \(reference.prefix(100))")])
        }
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        // The incident's row is locked (PostgreSQL) or the writer is alone (SQLite) from the count to the insert, so
        // two analysts linking at once cannot pass the cap together.
        let lock = database.kind == .postgres ? " FOR UPDATE" : ""
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            _ = try await sql.raw("SELECT id FROM soc_incidents WHERE id = \(bind: incident.id)" + SQLQueryString(lock)).first()
            let held = try await sql.raw("SELECT COUNT(*) AS n FROM soc_incident_links WHERE incident_id = \(bind: incident.id)").first()?
                .decode(column: "n", as: Int64.self) ?? 0
            guard held < Self.maximumPerIncident else { throw Problem.conflict("The incident has \(Self.maximumPerIncident) links already.") }
            let added = try await sql.raw("""
                INSERT INTO soc_incident_links (incident_id, kind, reference, linked_by, linked_at_ms) \
                VALUES (\(bind: incident.id), \(bind: kind), \(bind: found.reference), \(bind: principal.accountID), \(bind: now)) \
                ON CONFLICT DO NOTHING RETURNING incident_id
                """).first()
            guard added != nil else { return }
            try await EventLog.append(try DomainEvent(type: "security.incident.linked", actorID: principal.accountID, actorName: principal.displayName,
                                                      unitCode: incident.unit, subject: incident.id,
                                                      payload: ["kind": kind, "reference": found.reference]), on: db)
        }
        return found
    }

    /// Removes a link; false when there was none.
    func unlink(_ incident: SecurityIncident, kind: String, reference: String, by principal: Principal, logger: Logger) async throws -> Bool {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard try await sql.raw("""
                DELETE FROM soc_incident_links WHERE incident_id = \(bind: incident.id) AND kind = \(bind: kind) \
                AND reference = \(bind: reference) RETURNING incident_id
                """).first() != nil else { return false }
            try await EventLog.append(try DomainEvent(type: "security.incident.unlinked", actorID: principal.accountID, actorName: principal.displayName,
                                                      unitCode: incident.unit, subject: incident.id,
                                                      payload: ["kind": kind, "reference": reference]), on: db)
            return true
        }
    }

    public func incidents(linkedTo kind: String, reference: String, units: [String]?, logger: Logger) async throws -> [LinkedIncident] {
        try await incidents(linkedTo: kind, references: [reference], units: units, logger: logger)[reference] ?? []
    }

    /// At most 50 incidents a case (the first linked), 100 cases a call.
    public func incidents(linkedTo kind: String, references: [String], units: [String]?, logger: Logger) async throws -> [String: [LinkedIncident]] {
        let asked = Array(Set(references).sorted().prefix(100))
        guard !asked.isEmpty else { return [:] }
        let scope: SQLQueryString = units.map { $0.isEmpty ? " AND 1 = 0" : " AND i.unit_code IN (\(binds: $0))" } ?? ""
        // Each case's own first 50: one case linked to many incidents must not crowd out the others on a screen.
        let rows = try await database.sql(logger: logger).raw("""
            SELECT reference, id, unit_code, title, level, state FROM (SELECT l.reference, i.id, i.unit_code, i.title, i.level, i.state, \
            ROW_NUMBER() OVER (PARTITION BY l.reference ORDER BY l.linked_at_ms, i.id) AS place \
            FROM soc_incident_links l JOIN soc_incidents i ON i.id = l.incident_id \
            WHERE l.kind = \(bind: kind) AND l.reference IN (\(binds: asked))
            """ + scope + ") AS linked WHERE place <= 50 ORDER BY reference, place").all()
        var found: [String: [LinkedIncident]] = [:]
        for row in rows {
            let id = try row.decode(column: "id", as: String.self)
            found[try row.decode(column: "reference", as: String.self), default: []].append(
                LinkedIncident(id: id, unit: try row.decode(column: "unit_code", as: String.self), title: try row.decode(column: "title", as: String.self),
                               level: try row.decode(column: "level", as: String.self), state: try row.decode(column: "state", as: String.self),
                               path: "/soc/incidents/\(id)"))
        }
        return found
    }
}
