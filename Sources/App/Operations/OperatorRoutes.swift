import Foundation
import Hummingbird
import Platform

/// The operators' status: every check `hues doctor` runs, over HTTP for admins (a monitoring system can poll it) and as a page.
struct OperatorRoutes: Sendable {
    let runtime: HuesRuntime

    struct Status: Codable, Sendable {
        var status: HealthFinding.Status
        var checks: [PlatformDoctor.Result]
    }

    struct RateLimits: Codable, Sendable {
        struct Rule: Codable, Sendable {
            var name: String, route: String, clients: String
            var perMinute: Int?, burst: Int?, perDay: Int?
        }
        struct Usage: Codable, Sendable {
            var rule: String, client: String, used: Int
        }
        var rules: [Rule]
        /// Today's daily-quota counts (instances reserve blocks, so a count may run up to a block ahead).
        var today: [Usage]
    }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/admin/rate-limits", access: .roles([.admin]), summary: "Rate limits and quotas in force, and today's quota counts") { _, context in
            let limits = runtime.requestLimits
            let usage = try await limits.usageToday(logger: context.logger)
            return JSONResponse(RateLimits(
                rules: limits.rules.map { .init(name: $0.name, route: $0.route, clients: $0.clients.description, perMinute: $0.perMinute, burst: $0.burst, perDay: $0.perDay) },
                today: usage.map { .init(rule: $0.rule, client: $0.client, used: $0.used) }))
        }
        routes.on(.get, "/api/v1/admin/health", access: .roles([.admin]), summary: "Operator checks: database, schema, disk, clock, event log, backlogs, certificates") { _, _ in
            let checks = await PlatformDoctor.examine(runtime)
            return JSONResponse(Status(status: checks.map(\.status).max() ?? .ok, checks: checks))
        }
        routes.on(.get, "/admin/status", access: .roles([.admin]), kind: .page, summary: "Operators' status page") { _, context in
            let checks = await PlatformDoctor.examine(runtime)
            let overall = checks.map(\.status).max() ?? .ok
            let rows = checks.map { check -> [String: Any] in
                ["id": check.check.replacingOccurrences(of: " ", with: "-"), "check": check.check, "status": check.status.rawValue,
                 "statusText": runtime.renderer.translations.text("status_\(check.status.rawValue)", language: context.language), "detail": check.detail]
            }
            return try runtime.renderer.page("status", title: "status_title", context: context,
                                             values: ["checks": rows, "overall": overall.rawValue,
                                                      "overallText": runtime.renderer.translations.text("status_\(overall.rawValue)", language: context.language)])
        }
    }
}
