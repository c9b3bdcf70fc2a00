import Foundation
import Hummingbird
import Platform
import Web

/// The SOC's web console: the analysts' incident queue, an incident with its alerts and notes (and the forms that
/// move it on), event search, the rules with their hits, the monthly report with its charts; and each unit's own
/// page of its computers and incidents. Pages come whole from the server and work without scripts.
struct SecurityPages: Sendable {
    let desk: IncidentDesk
    let links: IncidentLinks
    let search: SecurityEventSearch
    let detection: SecurityDetection
    let reports: MonthlyReports
    let access: SecurityAccess
    let staff: (any StaffDirectory)?
    let profile: CityProfile
    let renderer: PageRenderer
    let clock: @Sendable () -> Date

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/soc", access: SecurityAccess.analysts, kind: .page, summary: "The SOC's incident queue", use: queue)
        routes.on(.get, "/soc/rules", access: SecurityAccess.analysts, kind: .page, summary: "The SOC's rules with their hits", use: rules)
        routes.on(.get, "/soc/events", access: SecurityAccess.analysts, kind: .page, summary: "The SOC's event search", use: events)
        routes.on(.get, "/soc/reports", access: SecurityAccess.reading, kind: .page, summary: "A month of blocked events, with charts", use: report)
        routes.on(.get, "/soc/unit", access: SecurityAccess.reading, kind: .page, summary: "A unit's computers and security incidents", use: unitPage)
        addIncidentRoutes(to: routes)
    }

    @Sendable func queue(_ request: Request, context: HuesRequestContext) async throws -> Response {
        try access.requireAnalyst(try context.requirePrincipal())
        let asked = request.uri.queryParameters.get("state") ?? "open"
        let state = ["open", "acknowledged", "closed", "all"].contains(asked) ? asked : "open"
        let incidents = try await desk.incidents(state: state == "all" ? nil : state, units: nil, limit: 200, logger: context.logger)
        return try renderer.page("soc", title: "soc_title", context: context, values: [
            "states": ["open", "acknowledged", "closed", "all"].map { ["value": $0, "label": words(context)["soc_state_\($0)"] ?? $0, "selected": $0 == state] },
            "incidents": incidents.map { incidentValues($0, context: context) }, "noIncidents": incidents.isEmpty,
        ])
    }

    @Sendable func rules(_ request: Request, context: HuesRequestContext) async throws -> Response {
        try access.requireAnalyst(try context.requirePrincipal())
        let hits = try await search.ruleHits(logger: context.logger)
        let detections = detection.rules.rules.map { ($0.id, $0.title, $0.level.rawValue, "detection", $0.tags) }
        let correlations = detection.rules.correlations.map { ($0.id, $0.title, $0.level.rawValue, $0.kind.rawValue, $0.tags) }
        let rows = (detections + correlations).map { rule -> [String: Any] in
            let hit = hits[rule.0]
            return ["id": rule.0, "title": rule.1, "level": rule.2, "kind": rule.3, "tags": rule.4.prefix(6).joined(separator: " "),
                    "hits": hit?.hits ?? 0, "hitsText": String(hit?.hits ?? 0), "lastHit": hit.map { renderer.clock.text($0.last) } ?? "—"]
        }.sorted { ($0["hits"] as? Int64 ?? 0, $1["title"] as? String ?? "") > ($1["hits"] as? Int64 ?? 0, $0["title"] as? String ?? "") }
        return try renderer.page("soc-rules", title: "soc_rules_title", context: context, values: ["rules": rows, "count": rows.count])
    }

    func words(_ context: HuesRequestContext) -> [String: String] { renderer.translations.table(for: context.language) }

    func unitName(_ code: String, _ context: HuesRequestContext) -> String {
        guard let unit = profile.units.first(where: { $0.code == code }) else { return code }
        return context.language == "vi" ? unit.name : unit.nameEn ?? unit.name
    }

    func incidentValues(_ incident: SecurityIncident, context: HuesRequestContext) -> [String: Any] {
        ["id": incident.id, "title": incident.title, "level": incident.level, "levelText": words(context)["soc_level_\(incident.level)"] ?? incident.level,
         "unit": incident.unit, "unitName": unitName(incident.unit, context), "host": incident.host, "alerts": String(incident.alertCount),
         "state": incident.state, "stateText": words(context)["soc_state_\(incident.state)"] ?? incident.state,
         "openedAt": renderer.clock.text(incident.openedAt), "lastAlertAt": renderer.clock.text(incident.lastAlertAt),
         "assigned": incident.assignedTo != nil]
    }
}
