import Foundation
import Hummingbird
import Platform

/// `/api/v1/operations/alerts` and `/alert-rules`: the operations centre (its IOC operators, and admins) sees every
/// alert and keeps the rules; a unit's leaders and officers see their units' alerts, and its leaders acknowledge and
/// close them.
struct AlertRoutes {
    let desk: AlertDesk
    let rules: AlertRules
    let watch: AlertWatch
    let units: Set<String>
    let capabilities: Capabilities
    let clock: @Sendable () -> Date

    var staff: (any StaffDirectory)? { capabilities.first((any StaffDirectory).self) }

    func runsTheCentre(_ principal: Principal) -> Bool { desk.broker.mayUse(principal) }

    /// The units whose alerts the caller sees; nil: all.
    func scope(_ principal: Principal) -> [String]? { runsTheCentre(principal) ? nil : principal.grants.staffUnits }

    func addRoutes(to routes: SecuredRouter) {
        let reading = Access.roles([.iocOperator, .admin, .unitLeader, .officer])
        routes.on(.get, "/api/v1/operations/alerts", access: reading, summary: "Alerts, newest first (the operations centre: all; staff: their units')") { request, context in
            let principal = try context.requirePrincipal()
            let state = request.uri.queryParameters.get("state")
            guard state.map({ ["open", "acknowledged", "closed"].contains($0) }) ?? true else {
                throw Problem.validation([.init(field: "state", message: "open, acknowledged or closed")])
            }
            let limit = try request.queryInteger("limit", in: 1...500) ?? 100
            return JSONResponse(try await desk.alerts(state: state, units: scope(principal), limit: limit, logger: context.logger))
        }
        routes.on(.get, "/api/v1/operations/alerts/:id", access: reading, summary: "One alert, with the security incidents linked to it") { _, context in
            let alert = try await visibleAlert(context)
            let incidents = try await capabilities.first((any SecurityIncidentLinks).self)?
                .incidents(linkedTo: AlertCases(desk: desk).kind, reference: alert.id, units: scope(try context.requirePrincipal()), logger: context.logger) ?? []
            return JSONResponse(AlertWithIncidents(alert: alert, securityIncidents: incidents))
        }
        for step in [AlertDesk.Step.acknowledge, .assign, .close] {
            routes.on(.post, "/api/v1/operations/alerts/:id/\(step.rawValue)", access: .roles([.iocOperator, .admin, .unitLeader]),
                      summary: "Alert: \(step.rawValue)") { request, context in
                let principal = try context.requirePrincipal()
                let alert = try await visibleAlert(context)
                // Leaders act on their own units' alerts; assigning is the operations centre's.
                guard runsTheCentre(principal) || (step != .assign && principal.grants.has(.unitLeader, in: alert.unit)) else { throw Problem.forbidden() }
                var request = request
                let detail = try await detail(for: step, of: alert, request: &request, context: context)
                let rule = try await rules.all(logger: context.logger).first { $0.code == alert.rule }
                return JSONResponse(try await desk.take(step, on: alert.id, detail: detail, by: principal, rule: rule, logger: context.logger))
            }
        }
        addRuleRoutes(to: routes)
    }

    private func visibleAlert(_ context: HuesRequestContext) async throws -> OperationsAlert {
        let principal = try context.requirePrincipal()
        let id = context.parameters.get("id") ?? ""
        guard id.utf8.count <= 64, let alert = try await desk.alert(id, logger: context.logger) else { throw Problem.notFound("No alert \(id.prefix(64)).") }
        if let units = scope(principal), !units.contains(alert.unit) { throw Problem.notFound("No alert \(id).") }
        return alert
    }

    struct AssignInput: Decodable { var assignee: String }
    struct CloseInput: Decodable { var reason: String }

    /// The assignee's account id (a member of staff found by username), or the closing reason.
    private func detail(for step: AlertDesk.Step, of alert: OperationsAlert, request: inout Request, context: HuesRequestContext) async throws -> String? {
        switch step {
        case .acknowledge:
            return nil
        case .assign:
            let input = try await request.decodeJSON(as: AssignInput.self, context: context)
            // Someone who will see the alert: the operations centre, or the answerable unit's staff.
            guard input.assignee.utf8.count <= 100, !input.assignee.unicodeScalars.contains(where: { $0.value < 0x20 }),
                  let profile = try await staff?.profile(username: input.assignee, logger: context.logger),
                  desk.broker.operationsUnit.map({ profile.grants.has(.iocOperator, in: $0) }) == true || profile.grants.isStaff(of: alert.unit) else {
                throw Problem.unprocessable([.init(field: "assignee", message: "the username of an IOC operator of the operations centre, or of the alert's unit's staff")])
            }
            return profile.accountID
        case .close:
            let reason = try await request.decodeJSON(as: CloseInput.self, context: context).reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (3...500).contains(reason.count), !reason.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F }) else {
                throw Problem.unprocessable([.init(field: "reason", message: "3 to 500 characters, without control characters")])
            }
            return reason
        }
    }
}
