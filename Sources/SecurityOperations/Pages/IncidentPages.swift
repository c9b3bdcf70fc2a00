import Foundation
import Hummingbird
import Platform
import Web

/// An incident's page (its facts, latest alerts with their events, notes) and the analysts' forms on it: acknowledge,
/// assign, close with a reason, add a note. A refused form comes back to the page with the reason, the typed text
/// kept out of the address.
extension SecurityPages {
    static let steps = ["acknowledge", "assign", "close", "notes", "links", "unlink"]

    func addIncidentRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/soc/incidents/:id", access: SecurityAccess.reading, kind: .page, summary: "A security incident, its alerts and notes",
                  use: incidentPage)
        for step in Self.steps {
            routes.on(.post, "/soc/incidents/:id/\(step)", access: SecurityAccess.analysts, kind: .page,
                      summary: "Incident from the console: \(step)") { request, context in
                try await act(step, request: request, context: context)
            }
        }
    }

    @Sendable func incidentPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let incident = try await desk.incident(context.parameters.get("id") ?? "", visibleTo: principal, access: access, logger: context.logger)
        let detail = try await desk.detail(of: incident, logger: context.logger)
        let linked = try await links.cases(of: incident.id, units: access.scope(principal), logger: context.logger)
        let analyst = access.runsTheSOC(principal)
        let assignee = try await incident.assignedTo.asyncMap { try await staff?.profile(accountID: $0, logger: context.logger)?.name ?? $0 }
        var values: [String: Any] = [
            "incident": incidentValues(incident, context: context), "incidentId": incident.id, "analyst": analyst, "closed": incident.state == "closed",
            "acknowledgeable": incident.state == "open", "assignee": assignee ?? "—", "closeReason": incident.closeReason ?? "",
            "alerts": detail.alerts.map { alert in
                ["eventId": alert.eventID, "level": alert.level, "raisedAt": renderer.clock.text(alert.raisedAt), "analyst": analyst] as [String: Any]
            },
            "notes": detail.notes.map { ["author": $0.author, "writtenAt": renderer.clock.text($0.writtenAt), "body": $0.body] },
            "noNotes": detail.notes.isEmpty,
            "links": linked.map { linkValues($0, analyst: analyst, context: context) }, "noLinks": linked.isEmpty,
            "kinds": links.kinds.map { ["value": $0, "label": words(context)["soc_link_\($0)"] ?? $0] },
        ]
        // Only the page's own words, chosen by a code: the address cannot put text of its own on the page.
        if let code = request.uri.queryParameters.get("error"), Self.errorCodes.contains(code) { values["error"] = words(context)["soc_error_\(code)"] ?? code }
        return try renderer.page("soc-incident", title: "soc_incident_title", context: context, values: values)
    }

    func linkValues(_ linked: LinkedCase, analyst: Bool, context: HuesRequestContext) -> [String: Any] {
        ["kind": linked.kind, "kindText": words(context)["soc_link_\(linked.kind)"] ?? linked.kind, "reference": linked.reference,
         "title": linked.title, "state": linked.state, "unitName": linked.unit.isEmpty ? "" : unitName(linked.unit, context),
         // Field reports have a page; an alert is read on the operations centre's screens and API.
         "path": linked.path.hasPrefix("/reports/") ? linked.path : "", "analyst": analyst]
    }

    static let errorCodes: Set<String> = ["state", "reason", "assignee", "note", "kind", "reference", "full", "gone", "refused"]

    /// The code of what was wrong with a form, for the page to say in its own words.
    static func errorCode(_ problem: Problem) -> String {
        if problem.status == .conflict { return problem.detail.contains("links already") ? "full" : "state" }
        if problem.status == .notFound { return "gone" }
        switch problem.errors.first?.field {
        case "reason": return "reason"
        case "assignee": return "assignee"
        case "body": return "note"
        case "kind": return "kind"
        case "reference": return "reference"
        default: return "refused"
        }
    }

    func act(_ step: String, request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try access.requireAnalyst(principal)
        let incident = try await desk.incident(context.parameters.get("id") ?? "", visibleTo: principal, access: access, logger: context.logger)
        var request = request
        let form = FormFields(String(buffer: try await request.collectBody(upTo: 16 * 1024)))
        let page = "/soc/incidents/\(incident.id)"
        do {
            switch step {
            case "acknowledge":
                _ = try await desk.take(.acknowledge, on: incident.id, detail: nil, by: principal, logger: context.logger)
            case "assign":
                let analyst = try await IncidentInput.assignee(form["assignee"] ?? "", staff: staff, access: access, logger: context.logger)
                _ = try await desk.take(.assign, on: incident.id, detail: analyst, by: principal, logger: context.logger)
            case "close":
                _ = try await desk.take(.close, on: incident.id, detail: try IncidentInput.closeReason(form["reason"] ?? ""), by: principal,
                                        logger: context.logger)
            case "links":
                let reference = (form["reference"] ?? "").trimmingCharacters(in: .whitespaces)
                _ = try await links.link(incident, kind: form["kind"] ?? "", reference: reference, by: principal, logger: context.logger)
            case "unlink":
                guard try await links.unlink(incident, kind: form["kind"] ?? "", reference: form["reference"] ?? "", by: principal, logger: context.logger) else {
                    throw Problem.notFound("The incident has no such link.")
                }
            default:
                try await desk.addNote(try IncidentInput.note(form["body"] ?? ""), to: incident, by: principal, logger: context.logger)
            }
            return Response(status: .seeOther, headers: [.location: page])
        } catch let problem as Problem where problem.status.code < 500 {
            return Response(status: .seeOther, headers: [.location: page + "?error=" + Self.errorCode(problem)])
        }
    }
}

fileprivate extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
