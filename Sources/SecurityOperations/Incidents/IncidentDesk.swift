import Foundation
import Logging
import Platform
import SQLKit

/// What analysts do with incidents: list, read, acknowledge, assign, close with a reason, write notes. Each step is
/// guarded by the state it starts from (two analysts closing at once: one wins, the other gets 409) and logged.
public struct IncidentDesk: Sendable {
    public enum Step: String, Sendable, CaseIterable {
        case acknowledge, assign, close
    }

    let database: PlatformDatabase
    let clock: @Sendable () -> Date

    /// `units` nil: every unit's.
    public func incidents(state: String?, units: [String]?, limit: Int, logger: Logger) async throws -> [SecurityIncident] {
        var conditions: [SQLQueryString] = []
        if let state { conditions.append("state = \(bind: state)") }
        if let units { conditions.append(units.isEmpty ? "1 = 0" : "unit_code IN (\(binds: units))") }
        let filter: SQLQueryString = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let rows = try await database.sql(logger: logger)
            .raw(SecurityIncident.columns + filter + " ORDER BY last_alert_at_ms DESC, id LIMIT \(bind: limit)").all()
        return try rows.map(SecurityIncident.init(row:))
    }

    public func incident(_ id: String, logger: Logger) async throws -> SecurityIncident? {
        try await database.sql(logger: logger).raw(SecurityIncident.columns + " WHERE id = \(bind: id)").first()
            .map(SecurityIncident.init(row:))
    }

    /// The incident if the caller may see it (the SOC: all; a unit's staff: their units'); 404 otherwise, the same
    /// answer as for an incident that does not exist.
    func incident(_ id: String, visibleTo principal: Principal, access: SecurityAccess, logger: Logger) async throws -> SecurityIncident {
        guard id.utf8.count <= 64, let incident = try await incident(id, logger: logger),
              access.scope(principal).map({ $0.contains(incident.unit) }) ?? true else {
            throw Problem.notFound("No incident \(id.prefix(64)).")
        }
        return incident
    }

    public func detail(of incident: SecurityIncident, logger: Logger) async throws -> SecurityIncidentDetail {
        let sql = try database.sql(logger: logger)
        let alertRows = try await sql.raw("""
            SELECT id, event_id, level, raised_at_ms FROM soc_alerts WHERE incident_id = \(bind: incident.id) \
            ORDER BY raised_at_ms DESC, id LIMIT 100
            """).all()
        let alerts = try alertRows.map { row in
            SecurityIncidentDetail.Alert(id: try row.decode(column: "id", as: String.self),
                                         eventID: try row.decode(column: "event_id", as: String.self),
                                         level: try row.decode(column: "level", as: String.self),
                                         raisedAt: Date(timeIntervalSince1970: Double(try row.decode(column: "raised_at_ms", as: Int64.self)) / 1000))
        }
        let noteRows = try await sql.raw("""
            SELECT author, written_at_ms, body FROM soc_incident_notes WHERE incident_id = \(bind: incident.id) ORDER BY written_at_ms, id LIMIT 500
            """).all()
        let notes = try noteRows.map { row in
            SecurityIncidentDetail.Note(author: try row.decode(column: "author", as: String.self),
                                        writtenAt: Date(timeIntervalSince1970: Double(try row.decode(column: "written_at_ms", as: Int64.self)) / 1000),
                                        body: try row.decode(column: "body", as: String.self))
        }
        return SecurityIncidentDetail(incident: incident, alerts: alerts, notes: notes)
    }

    /// Moves an incident on; `detail` is the assignee's account id or the closing reason.
    public func take(_ step: Step, on id: String, detail: String?, by principal: Principal, logger: Logger) async throws -> SecurityIncident {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let change: SQLQueryString = switch step {
            case .acknowledge:
                """
                UPDATE soc_incidents SET state = 'acknowledged', acknowledged_by = \(bind: principal.accountID), \
                acknowledged_at_ms = \(bind: now) WHERE id = \(bind: id) AND state = 'open'
                """
            case .assign:
                "UPDATE soc_incidents SET assigned_to = \(bind: detail) WHERE id = \(bind: id) AND state <> 'closed'"
            case .close:
                """
                UPDATE soc_incidents SET state = 'closed', closed_by = \(bind: principal.accountID), closed_at_ms = \(bind: now), \
                close_reason = \(bind: detail) WHERE id = \(bind: id) AND state <> 'closed'
                """
            }
            guard let row = try await sql.raw(change + " RETURNING unit_code").first() else {
                throw Problem.conflict(step == .acknowledge ? "The incident is no longer open." : "The incident is closed.")
            }
            let past = switch step { case .acknowledge: "acknowledged"; case .assign: "assigned"; case .close: "closed" }
            try await EventLog.append(try DomainEvent(type: "security.incident.\(past)", actorID: principal.accountID,
                                                      actorName: principal.displayName,
                                                      unitCode: try row.decode(column: "unit_code", as: String.self), subject: id,
                                                      payload: ["detail": step == .close ? detail ?? "" : ""]), on: db)
            guard let incident = try await sql.raw(SecurityIncident.columns + " WHERE id = \(bind: id)").first()
                .map(SecurityIncident.init(row:)) else { throw Problem.internal() }
            return incident
        }
    }

    public func addNote(_ body: String, to incident: SecurityIncident, by principal: Principal, logger: Logger) async throws {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("""
                INSERT INTO soc_incident_notes (id, incident_id, author, written_at_ms, body) \
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: incident.id), \(bind: principal.displayName), \
                \(bind: now), \(bind: body))
                """).run()
            try await EventLog.append(DomainEvent(type: "security.incident.noted", actorID: principal.accountID,
                                                  actorName: principal.displayName, unitCode: incident.unit, subject: incident.id), on: db)
        }
    }
}
