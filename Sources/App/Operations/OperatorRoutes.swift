import Foundation
import Hummingbird
import Platform

/// The operators' status: every check `hues doctor` runs, over HTTP for admins (a monitoring system can poll it).
struct OperatorRoutes: Sendable {
    let runtime: HuesRuntime

    struct Status: Codable, Sendable {
        var status: HealthFinding.Status
        var checks: [PlatformDoctor.Result]
    }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/admin/health", access: .roles([.admin]), summary: "Operator checks: database, schema, disk, clock, event log, backlogs, certificates") { _, _ in
            let checks = await PlatformDoctor.examine(runtime)
            return JSONResponse(Status(status: checks.map(\.status).max() ?? .ok, checks: checks))
        }
    }
}
