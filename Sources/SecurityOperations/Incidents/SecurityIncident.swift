import Foundation
import Platform
import SQLKit

/// Alerts of one rule on one host of a unit, handled as one case: open → acknowledged → closed with a reason.
public struct SecurityIncident: Codable, Sendable, Equatable {
    public let id: String
    public let unit: String
    public let host: String
    public let rule: String
    public let title: String
    public let level: String
    public let state: String
    public let alertCount: Int64
    public let openedAt: Date
    public let lastAlertAt: Date
    public let assignedTo: String?
    public let acknowledgedBy: String?
    public let closedBy: String?
    public let closeReason: String?

    static let columns: SQLQueryString = """
        SELECT id, unit_code, host_name, rule_id, title, level, state, alert_count, opened_at_ms, last_alert_at_ms, assigned_to, \
        acknowledged_by, closed_by, close_reason FROM soc_incidents
        """

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        unit = try row.decode(column: "unit_code", as: String.self)
        host = try row.decode(column: "host_name", as: String.self)
        rule = try row.decode(column: "rule_id", as: String.self)
        title = try row.decode(column: "title", as: String.self)
        level = try row.decode(column: "level", as: String.self)
        state = try row.decode(column: "state", as: String.self)
        alertCount = try row.decode(column: "alert_count", as: Int64.self)
        openedAt = Date(timeIntervalSince1970: Double(try row.decode(column: "opened_at_ms", as: Int64.self)) / 1000)
        lastAlertAt = Date(timeIntervalSince1970: Double(try row.decode(column: "last_alert_at_ms", as: Int64.self)) / 1000)
        assignedTo = try row.decode(column: "assigned_to", as: String?.self)
        acknowledgedBy = try row.decode(column: "acknowledged_by", as: String?.self)
        closedBy = try row.decode(column: "closed_by", as: String?.self)
        closeReason = try row.decode(column: "close_reason", as: String?.self)
    }
}

/// An incident with what it is made of: its latest alerts (each naming the event), the analysts' notes and the
/// operations-centre alerts and field reports it is linked to.
public struct SecurityIncidentDetail: Codable, Sendable {
    public struct Alert: Codable, Sendable {
        public let id: String
        public let eventID: String
        public let level: String
        public let raisedAt: Date
    }

    public struct Note: Codable, Sendable {
        public let author: String
        public let writtenAt: Date
        public let body: String
    }

    public let incident: SecurityIncident
    public let alerts: [Alert]
    public let notes: [Note]
    public var links: [LinkedCase] = []
}
