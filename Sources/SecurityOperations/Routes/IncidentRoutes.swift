import Foundation
import Hummingbird
import Logging
import Platform

/// `/api/v1/security/incidents`: analysts see and handle every unit's incidents; a unit's staff read their own.
struct IncidentRoutes {
    let desk: IncidentDesk
    let links: IncidentLinks
    let access: SecurityAccess
    let staff: (any StaffDirectory)?

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/security/incidents", access: SecurityAccess.reading,
                  summary: "Security incidents, latest alert first (analysts: all; a unit's staff: their units')") { request, context in
            let principal = try context.requirePrincipal()
            let state = request.uri.queryParameters.get("state")
            guard state.map({ ["open", "acknowledged", "closed"].contains($0) }) ?? true else {
                throw Problem.validation([.init(field: "state", message: "open, acknowledged or closed")])
            }
            let limit = try request.queryInteger("limit", in: 1...500) ?? 100
            return JSONResponse(try await desk.incidents(state: state, units: access.scope(principal), limit: limit, logger: context.logger))
        }
        routes.on(.get, "/api/v1/security/incidents/:id", access: SecurityAccess.reading, summary: "One incident, its alerts, notes and links") { _, context in
            JSONResponse(try await detail(of: try await visible(context), for: try context.requirePrincipal(), logger: context.logger))
        }
        addLinkRoutes(to: routes)
        for step in IncidentDesk.Step.allCases {
            routes.on(.post, "/api/v1/security/incidents/:id/\(step.rawValue)", access: SecurityAccess.analysts,
                      summary: "Incident: \(step.rawValue)") { request, context in
                let principal = try context.requirePrincipal()
                try access.requireAnalyst(principal)
                let incident = try await visible(context)
                var request = request
                let detail = try await detail(for: step, request: &request, context: context)
                return JSONResponse(try await desk.take(step, on: incident.id, detail: detail, by: principal, logger: context.logger))
            }
        }
        routes.on(.post, "/api/v1/security/incidents/:id/notes", access: SecurityAccess.analysts, summary: "Incident: add a note") { request, context in
            let principal = try context.requirePrincipal()
            try access.requireAnalyst(principal)
            let incident = try await visible(context)
            var request = request
            let body = try IncidentInput.note(try await request.decodeJSON(as: NoteInput.self, context: context).body)
            try await desk.addNote(body, to: incident, by: principal, logger: context.logger)
            return JSONResponse(try await detail(of: incident, for: principal, logger: context.logger), status: .created)
        }
    }

    /// An operations-centre alert or a field report linked to an incident (and unlinked): the one thread from street
    /// to SOC. Analysts link; whoever reads the incident sees its links.
    func addLinkRoutes(to routes: SecuredRouter) {
        routes.on(.post, "/api/v1/security/incidents/:id/links", access: SecurityAccess.analysts,
                  summary: "Link an incident to an operations-centre alert or a field report (idempotent)") { request, context in
            let principal = try context.requirePrincipal()
            try access.requireAnalyst(principal)
            let incident = try await visible(context)
            var request = request
            let input = try await request.decodeJSON(as: LinkInput.self, context: context)
            _ = try await links.link(incident, kind: input.kind, reference: input.reference, by: principal, logger: context.logger)
            return JSONResponse(try await detail(of: incident, for: principal, logger: context.logger))
        }
        routes.on(.delete, "/api/v1/security/incidents/:id/links/:kind/:reference", access: SecurityAccess.analysts,
                  summary: "Remove an incident's link") { _, context in
            let principal = try context.requirePrincipal()
            try access.requireAnalyst(principal)
            let incident = try await visible(context)
            let (kind, reference) = (context.parameters.get("kind") ?? "", context.parameters.get("reference") ?? "")
            guard try await links.unlink(incident, kind: kind, reference: reference, by: principal, logger: context.logger) else {
                throw Problem.notFound("The incident has no such link.")
            }
            return JSONResponse(try await detail(of: incident, for: principal, logger: context.logger))
        }
    }

    func detail(of incident: SecurityIncident, for principal: Principal, logger: Logger) async throws -> SecurityIncidentDetail {
        var detail = try await desk.detail(of: incident, logger: logger)
        detail.links = try await links.cases(of: incident.id, units: access.scope(principal), logger: logger)
        return detail
    }

    private func visible(_ context: HuesRequestContext) async throws -> SecurityIncident {
        try await desk.incident(context.parameters.get("id") ?? "", visibleTo: try context.requirePrincipal(), access: access, logger: context.logger)
    }

    struct AssignInput: Decodable { var assignee: String }
    struct CloseInput: Decodable { var reason: String }
    struct NoteInput: Decodable { var body: String }
    struct LinkInput: Decodable {
        var kind: String
        var reference: String
    }

    /// The assignee's account id (a SOC analyst found by username), or the closing reason.
    private func detail(for step: IncidentDesk.Step, request: inout Request, context: HuesRequestContext) async throws -> String? {
        switch step {
        case .acknowledge:
            return nil
        case .assign:
            let input = try await request.decodeJSON(as: AssignInput.self, context: context)
            return try await IncidentInput.assignee(input.assignee, staff: staff, access: access, logger: context.logger)
        case .close:
            return try IncidentInput.closeReason(try await request.decodeJSON(as: CloseInput.self, context: context).reason)
        }
    }
}
