import Foundation
import Hummingbird
import Logging
import Platform
import Web

/// The operations centre's screens: the operator view (`/ioc`) and the wall (`/ioc/wall`, dark, for a screen across
/// the room), each the live figures, a map of the units with their open reports and alerts, the sensors' last day
/// and the alerts not yet closed. The pages come whole from the server; `ioc-live.js` keeps them current from the
/// live stream without a reload.
struct OperationsPages: Sendable {
    let figures: LiveFigures
    let panels: SensorPanels
    let desk: AlertDesk
    let profile: CityProfile
    let map: UnitMap?
    let renderer: PageRenderer
    /// Where the SOC's links are: an alert shows the security incidents linked to it.
    let capabilities: Capabilities
    let clock: @Sendable () -> Date

    static let access = Access.roles([.iocOperator, .admin])

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/ioc", access: Self.access, kind: .page, summary: "The operations centre: live figures, map of units, sensors, alerts") { _, context in
            try requireCentre(context)
            return try await screen("ioc", title: "ioc_title", context: context)
        }
        routes.on(.get, "/ioc/wall", access: Self.access, kind: .page, summary: "The operations centre's wall screen (dark, live)") { _, context in
            try requireCentre(context)
            return try await screen("ioc-wall", title: "ioc_wall_title", context: context)
        }
        routes.on(.get, "/ioc/fragments/sensors", access: Self.access, kind: .page, summary: "The sensor panels, for the screens to refresh") { _, context in
            try requireCentre(context)
            return try renderer.page("ioc-sensors", title: "ioc_sensors", context: context, values: ["panels": try await panelValues(context)])
        }
        routes.on(.get, "/ioc/fragments/alerts", access: Self.access, kind: .page, summary: "The alerts not yet closed, for the screens to refresh") { _, context in
            try requireCentre(context)
            let alerts = try await alertValues(context)
            return try renderer.page("ioc-alerts", title: "ioc_alerts", context: context, values: ["alerts": alerts, "noAlerts": alerts.isEmpty])
        }
    }

    /// The screens show every unit's alerts and every sensor: the city's operations centre (an IOC operator of its
    /// unit, or an admin) only, not an IOC role held in a ward.
    func requireCentre(_ context: HuesRequestContext) throws {
        guard panels.broker.mayUse(try context.requirePrincipal()) else { throw Problem.forbidden() }
    }

    func screen(_ template: String, title: String, context: HuesRequestContext) async throws -> Response {
        let now = clock()
        let values = try await figures.values.all(at: now, logger: context.logger)
        let alerts = try await alertValues(context)
        return try renderer.page(template, title: title, context: context, values: [
            "figures": values.map { figureValues($0, language: context.language) },
            "map": mapValues(values, language: context.language) as Any,
            "panels": try await panelValues(context),
            "alerts": alerts, "noAlerts": alerts.isEmpty,
            "asOf": renderer.clock.text(now), "timeZone": profile.calendar.timeZone.identifier, "cityName": context.language == "vi" ? profile.city.name : profile.city.nameEn ?? profile.city.name,
        ])
    }

    func figureValues(_ figure: LiveFigureValue, language: String) -> [String: Any] {
        let share = figure.kind == "share"
        return ["code": figure.code, "name": figure.name[language] ?? figure.name["vi"] ?? figure.code, "share": share,
                "text": FigureText.text(figure.value, share: share, language: language), "periodKey": figure.periodKey ?? "",
                "today": figure.period == "day", "thisMonth": figure.period == "month", "now": figure.period == "always"]
    }

    /// The map with each unit's open reports and alerts as the figures stand; nil when the city has no boundaries.
    func mapValues(_ values: [LiveFigureValue], language: String) -> [String: Any]? {
        guard let map else { return nil }
        let reports = Dictionary(values.first { $0.code == "field-reports.open" }?.byUnit.map { ($0.key, $0.part) } ?? [], uniquingKeysWith: +)
        let alerts = Dictionary(values.first { $0.code == "operations.alerts-open" }?.byUnit.map { ($0.key, $0.part) } ?? [], uniquingKeysWith: +)
        let most = max(1, reports.values.max() ?? 1)
        let names = Dictionary(profile.units.map { ($0.code, language == "vi" ? $0.name : $0.nameEn ?? $0.name) }, uniquingKeysWith: { first, _ in first })
        return ["width": UnitMap.width, "height": map.height, "outline": map.outline ?? "",
                "units": map.shapes.map { shape -> [String: Any] in
                    let count = reports[shape.unit] ?? 0
                    let alerted = alerts[shape.unit] ?? 0
                    // Only units with something to show are labelled: the city centre's small wards sit close together.
                    return ["unit": shape.unit, "name": names[shape.unit] ?? shape.unit, "path": shape.path, "count": count > 0 ? String(count) : "",
                            "level": count == 0 ? 0 : Int((Double(count) / Double(most) * 4).rounded(.up)), "alerts": alerted > 0 ? "⚠ \(alerted)" : "",
                            "x": UnitMap.number(shape.labelX), "y": UnitMap.number(shape.labelY), "alertY": UnitMap.number(shape.labelY + 16)]
                }]
    }

    func panelValues(_ context: HuesRequestContext) async throws -> [[String: Any]] {
        let units = Dictionary(SensorPanels.shown.map { ($0.type, $0.unit) }, uniquingKeysWith: { first, _ in first })
        return try await panels.read(at: clock(), logger: context.logger).map { panel in
            ["entity": panel.entity, "name": panel.name, "type": panel.type, "attribute": panel.attribute,
             "latest": panel.latest.map { FigureText.text($0, share: false, language: context.language, digits: 1) } ?? "—",
             "unit": units[panel.type] ?? "", "observedAt": renderer.clock.text(panel.observedAt),
             "points": Sparkline.points(panel.hourly), "width": Sparkline.width, "height": Sparkline.height]
        }
    }

    func alertValues(_ context: HuesRequestContext) async throws -> [[String: Any]] {
        let alerts = try await desk.alerts(state: nil, units: nil, limit: 50, logger: context.logger).filter { $0.state != "closed" }
        // The operations centre sees every unit's alerts, so every linked incident (one thread from street to SOC).
        let linked = try await capabilities.first((any SecurityIncidentLinks).self)?
            .incidents(linkedTo: AlertCases.kind, references: alerts.map(\.id), units: nil, logger: context.logger) ?? [:]
        return alerts.map { alert in
            let incidents = linked[alert.id] ?? []
            return ["id": alert.id, "rule": alert.rule, "severity": alert.severity, "acknowledged": alert.state == "acknowledged", "critical": alert.severity == "critical", "subject": alert.subject,
                    "unit": alert.unit, "value": FigureText.text(alert.value, share: false, language: context.language, digits: 2),
                    "raisedAt": renderer.clock.text(alert.raisedAt),
                    "incidents": incidents.map { ["id": $0.id, "title": $0.title, "state": $0.state] }, "hasIncidents": !incidents.isEmpty]
        }
    }
}
