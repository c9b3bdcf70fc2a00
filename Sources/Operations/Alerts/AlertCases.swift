import Foundation
import Logging
import Platform

/// The operations centre's alerts as other modules link to them (the SOC links a sensor gone dark to the incident
/// on its host), and the alert with the incidents linked to it: the way back.
struct AlertCases: CaseDirectory {
    let desk: AlertDesk

    static let kind = "ioc-alert"
    var kind: String { Self.kind }

    func linkedCase(_ reference: String, logger: Logger) async throws -> LinkedCase? {
        guard reference.utf8.count <= 64, let alert = try await desk.alert(reference, logger: logger) else { return nil }
        return LinkedCase(kind: kind, reference: alert.id, title: "\(alert.rule) · \(alert.subject)", unit: alert.unit, state: alert.state,
                          path: "/api/v1/operations/alerts/\(alert.id)")
    }
}

/// An alert as `GET /api/v1/operations/alerts/{id}` answers: its own fields and the security incidents linked to it.
struct AlertWithIncidents: Encodable, Sendable {
    enum Keys: String, CodingKey { case securityIncidents }

    let alert: OperationsAlert
    let securityIncidents: [LinkedIncident]

    func encode(to encoder: any Encoder) throws {
        try alert.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(securityIncidents, forKey: .securityIncidents)
    }
}
