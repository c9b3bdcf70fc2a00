import Foundation
import Logging
import Platform
import SQLKit

/// What operators do with alerts: list them, acknowledge, assign, close with a reason. Each step is guarded by
/// the state it starts from (two operators closing at once: one wins, one gets 409) and is an event in the log; the
/// NGSI-LD `Alert` entity follows.
public struct AlertDesk: Sendable {
    let database: PlatformDatabase
    let broker: NGSIBroker
    let clock: @Sendable () -> Date

    public func alerts(state: String?, units: [String]?, limit: Int, logger: Logger) async throws -> [OperationsAlert] {
        var conditions: [SQLQueryString] = []
        if let state { conditions.append("state = \(bind: state)") }
        if let units { conditions.append(units.isEmpty ? "1 = 0" : "unit_code IN (\(binds: units))") }
        let filter: SQLQueryString = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let rows = try await database.sql(logger: logger).raw(OperationsAlert.columns + filter + " ORDER BY raised_at_ms DESC, id LIMIT \(bind: limit)").all()
        return try rows.map(OperationsAlert.init(row:))
    }

    public func alert(_ id: String, logger: Logger) async throws -> OperationsAlert? {
        try await database.sql(logger: logger).raw(OperationsAlert.columns + " WHERE id = \(bind: id)").first().map(OperationsAlert.init(row:))
    }

    public enum Step: String, Sendable {
        case acknowledge, assign, close
    }

    /// Moves an alert on; `detail` is the assignee's account id or the closing reason.
    public func take(_ step: Step, on id: String, detail: String?, by principal: Principal, rule: AlertRule?, logger: Logger) async throws -> OperationsAlert {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        let broker = self.broker
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let change: SQLQueryString = switch step {
            case .acknowledge:
                "UPDATE ioc_alerts SET state = 'acknowledged', acknowledged_by = \(bind: principal.accountID), acknowledged_at_ms = \(bind: now) WHERE id = \(bind: id) AND state = 'open'"
            case .assign:
                "UPDATE ioc_alerts SET assigned_to = \(bind: detail) WHERE id = \(bind: id) AND state <> 'closed'"
            case .close:
                """
                UPDATE ioc_alerts SET state = 'closed', closed_by = \(bind: principal.accountID), closed_at_ms = \(bind: now), close_reason = \(bind: detail) \
                WHERE id = \(bind: id) AND state <> 'closed'
                """
            }
            guard let row = try await sql.raw(change + " RETURNING id, unit_code").first() else {
                guard try await sql.raw("SELECT id FROM ioc_alerts WHERE id = \(bind: id)").first() != nil else { throw Problem.notFound("No alert \(id).") }
                throw Problem.conflict(step == .acknowledge ? "The alert is no longer open." : "The alert is closed.")
            }
            let payload = ["step": step.rawValue, "detail": step == .close ? detail ?? "" : ""]
            try await EventLog.append(try DomainEvent(type: "operations.alert.\(step == .acknowledge ? "acknowledged" : step == .assign ? "assigned" : "closed")",
                                                      actorID: principal.accountID, actorName: principal.displayName,
                                                      unitCode: try row.decode(column: "unit_code", as: String.self), subject: id, payload: payload), on: db)
            guard let alert = try await sql.raw(OperationsAlert.columns + " WHERE id = \(bind: id)").first().map(OperationsAlert.init(row:)) else { throw Problem.internal() }
            try await broker.apply([alert.entity(rule: rule)], operation: .replace, at: Date(timeIntervalSince1970: Double(now) / 1000), on: sql, logger: logger)
            return alert
        }
    }
}
