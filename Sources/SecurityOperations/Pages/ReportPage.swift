import Foundation
import Hummingbird
import Platform
import Web

/// A month of the SOC's work as a page: blocked events by category and by unit as bar charts, the most blocked
/// computers and the rules that raised most alerts, and the CSV to take away. The SOC sees every unit; a unit's
/// staff see their own.
extension SecurityPages {
    @Sendable func report(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = profile.calendar.timeZone
        let now = calendar.dateComponents([.year, .month], from: clock())
        let current = String(format: "%04d-%02d", now.year ?? 2000, now.month ?? 1)
        let asked = request.uri.queryParameters.get("month").map { String($0.prefix(7)) } ?? current
        let month = reports.bounds(of: asked) == nil ? current : asked
        guard let report = try await reports.report(month: month, units: access.scope(principal), logger: context.logger) else {
            throw Problem.internal()
        }
        let titles = Dictionary(detection.rules.rules.map { ($0.id, $0.title) } + detection.rules.correlations.map { ($0.id, $0.title) },
                                uniquingKeysWith: { first, _ in first })
        return try renderer.page("soc-report", title: "soc_report_title", context: context, values: [
            "month": month, "badMonth": month != asked, "blocked": String(report.blocked), "timeZone": report.timeZone,
            "byCategory": BarChart.values(report.byCategory.map { (words(context)["soc_category_\($0.key)"] ?? $0.key, $0.value) }),
            "byUnit": BarChart.values(report.byUnit.map { (unitName($0.key, context), $0.value) }),
            "hosts": report.topHosts.map { ["host": $0.host, "unitName": unitName($0.unit, context), "count": String($0.count)] },
            "rules": report.topRules.map { ["title": titles[$0.rule] ?? $0.rule, "alerts": String($0.alerts)] },
            "noHosts": report.topHosts.isEmpty, "noRules": report.topRules.isEmpty,
        ])
    }

    /// A unit's computers (stale ones marked) and its incidents, for the unit's staff; the SOC sees any unit's.
    @Sendable func unitPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let scope = access.scope(principal)
        let asked = request.uri.queryParameters.get("unit").map { String($0.prefix(100)) }
        // The SOC picks a unit; a unit's staff see theirs (one of theirs when they serve several).
        let choices = scope ?? profile.units.map(\.code)
        let unit = asked.flatMap { choices.contains($0) ? $0 : nil } ?? choices.first
        var machines: [SecurityEventSearch.Endpoint] = []
        var incidents: [SecurityIncident] = []
        if let unit {
            machines = try await search.endpoints(units: [unit], limit: 500, logger: context.logger)
            incidents = try await desk.incidents(state: nil, units: [unit], limit: 100, logger: context.logger)
        }
        let machineRows: [[String: Any]] = machines.map { machine in
            ["host": machine.host, "agent": machine.agentVersion ?? "—", "antivirus": machine.antivirus ?? "—",
             "lastSeen": renderer.clock.text(machine.lastSeen), "stale": machine.stale]
        }
        let unitRows: [[String: Any]] = choices.map { ["code": $0, "name": unitName($0, context), "selected": $0 == unit] }
        let incidentRows = incidents.map { incidentValues($0, context: context) }
        return try renderer.page("soc-unit", title: "soc_unit_title", context: context, values: [
            "unit": unit ?? "", "unitName": unit.map { unitName($0, context) } ?? "", "hasUnit": unit != nil,
            "units": unitRows, "choose": choices.count > 1, "machines": machineRows,
            "machineCount": machines.count, "staleCount": machines.count(where: \.stale), "noMachines": machines.isEmpty,
            "incidents": incidentRows, "noIncidents": incidents.isEmpty,
        ])
    }
}
