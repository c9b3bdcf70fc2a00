import Foundation
import Hummingbird
import Platform

extension AlertRoutes {
    func addRuleRoutes(to routes: SecuredRouter) {
        let centre = Access.roles([.iocOperator, .admin])
        routes.on(.get, "/api/v1/operations/alert-rules", access: centre, summary: "The alert rules the operations centre runs") { _, context in
            guard runsTheCentre(try context.requirePrincipal()) else { throw Problem.forbidden() }
            return JSONResponse(try await rules.all(logger: context.logger))
        }
        routes.on(.put, "/api/v1/operations/alert-rules/:code", access: centre, summary: "Add or change an alert rule") { request, context in
            let principal = try context.requirePrincipal()
            guard runsTheCentre(principal) else { throw Problem.forbidden() }
            var request = request
            let rule = try await request.decodeJSON(as: AlertRule.self, context: context)
            var problems = rule.problems(units: units)
            if rule.code != context.parameters.get("code") { problems.append(.init(field: "code", message: "the same as in the path")) }
            guard problems.isEmpty else { throw Problem.unprocessable(problems) }
            try await rules.save(rule, by: principal, at: clock(), logger: context.logger)
            return JSONResponse(rule)
        }
        routes.on(.delete, "/api/v1/operations/alert-rules/:code", access: centre, summary: "Remove an alert rule (its alerts stay)") { _, context in
            let principal = try context.requirePrincipal()
            guard runsTheCentre(principal) else { throw Problem.forbidden() }
            try await rules.delete(context.parameters.get("code") ?? "", by: principal, logger: context.logger)
            return Response(status: .noContent)
        }
    }
}
