import Foundation
import Platform
import SQLKit

/// An alert as operators see it: which rule, which sensor, how far past the threshold, and where it is in its life
/// (open → acknowledged → closed with a reason; `clearedAt` once the readings came back under the threshold).
public struct OperationsAlert: Codable, Sendable, Equatable {
    public var id: String
    public var rule: String
    public var severity: String
    public var subject: String
    public var unit: String
    public var state: String
    public var value: Double
    public var observedAt: Date
    public var raisedAt: Date
    public var clearedAt: Date?
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    public var assignedTo: String?
    public var closedBy: String?
    public var closedAt: Date?
    public var closeReason: String?

    static let columns: SQLQueryString = """
        SELECT id, rule_code, severity, subject, unit_code, state, value, observed_at_ms, raised_at_ms, cleared_at_ms, acknowledged_by, \
        acknowledged_at_ms, assigned_to, closed_by, closed_at_ms, close_reason FROM ioc_alerts
        """

    init(row: any SQLRow) throws {
        func instant(_ column: String) throws -> Date? {
            try row.decode(column: column, as: Int64?.self).map { Date(timeIntervalSince1970: Double($0) / 1000) }
        }
        id = try row.decode(column: "id", as: String.self)
        rule = try row.decode(column: "rule_code", as: String.self)
        severity = try row.decode(column: "severity", as: String.self)
        subject = try row.decode(column: "subject", as: String.self)
        unit = try row.decode(column: "unit_code", as: String.self)
        state = try row.decode(column: "state", as: String.self)
        value = try row.decode(column: "value", as: Double.self)
        observedAt = try instant("observed_at_ms") ?? Date(timeIntervalSince1970: 0)
        raisedAt = try instant("raised_at_ms") ?? Date(timeIntervalSince1970: 0)
        clearedAt = try instant("cleared_at_ms")
        acknowledgedBy = try row.decode(column: "acknowledged_by", as: String?.self)
        acknowledgedAt = try instant("acknowledged_at_ms")
        assignedTo = try row.decode(column: "assigned_to", as: String?.self)
        closedBy = try row.decode(column: "closed_by", as: String?.self)
        closedAt = try instant("closed_at_ms")
        closeReason = try row.decode(column: "close_reason", as: String?.self)
    }

    /// The alert as an NGSI-LD entity of FIWARE's `Alert` model, so NGSI-LD clients (and subscriptions) see it too.
    func entity(rule: AlertRule?) -> NGSIEntity {
        func property(_ value: JSONValue) -> JSONValue { .object(["type": .string("Property"), "value": value]) }
        let (category, subCategory) = Self.category(of: rule?.entityType ?? "")
        var attributes: [String: JSONValue] = [
            "category": property(.string(category)), "subCategory": property(.string(subCategory)),
            "severity": property(.string(["info": "informational", "warning": "medium", "critical": "critical"][severity] ?? "medium")),
            "alertSource": .object(["type": .string("Relationship"), "object": .string(subject)]),
            "dateIssued": property(.string(NGSITime.format(raisedAt))), "validFrom": property(.string(NGSITime.format(observedAt))),
            "status": property(.string(state)), "value": property(.number(value)), "rule": property(.string(self.rule)),
            "responsibleUnit": property(.string(unit)),
        ]
        if let name = rule?.name["vi"] { attributes["description"] = property(.string(name)) }
        if let clearedAt { attributes["validTo"] = property(.string(NGSITime.format(clearedAt))) }
        return NGSIEntity(id: "urn:ngsi-ld:Alert:\(id)", type: "Alert", attributes: attributes)
    }

    static func category(of entityType: String) -> (String, String) {
        switch entityType {
        case "WaterLevelObserved": ("naturalDisaster", "flood")
        case "AirQualityObserved": ("environment", "highLevelOfPollution")
        case "TrafficFlowObserved": ("traffic", "trafficJam")
        case "WeatherObserved": ("weather", "extremeWeather")
        default: ("environment", "other")
        }
    }
}
