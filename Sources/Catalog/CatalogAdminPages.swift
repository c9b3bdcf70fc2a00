import Foundation
import Hummingbird
import Identity
import Platform
import Web

/// The web pages where administrators and unit leaders register services and rotate their client secrets.
struct CatalogAdminPages: Sendable {
    let catalogue: ServiceCatalogue
    let renderer: PageRenderer

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/admin/services", access: .roles([.admin, .unitLeader]), kind: .page, summary: "Manage services", use: list)
        routes.on(.post, "/admin/services", access: .roles([.admin, .unitLeader]), kind: .page, summary: "Register a service from the page",
                  use: register)
        routes.on(.post, "/admin/services/:code", access: .roles([.admin, .unitLeader]), kind: .page, summary: "Edit a service from the page",
                  use: edit)
        routes.on(.post, "/admin/services/:code/rotate-secret", access: .roles([.admin, .unitLeader]), kind: .page,
                  summary: "Rotate a client secret from the page", use: rotate)
    }

    @Sendable func list(_ request: Request, context: HuesRequestContext) async throws -> Response {
        try await page(context: context, values: [:], status: .ok)
    }

    @Sendable func register(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let principal = try context.requirePrincipal()
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        let redirects = (form["redirectURIs"] ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        let new = NewCityService(
            code: form["code"] ?? "", name: form["name"] ?? "", nameEn: form["nameEn"].flatMap { $0.isEmpty ? nil : $0 }, description: nil,
            category: CityService.Category(rawValue: form["category"] ?? "") ?? .utilities, ownerUnit: form["ownerUnit"] ?? "", icon: nil,
            launchURL: form["launchURL"] ?? "", audience: CityService.Audience(rawValue: form["audience"] ?? "") ?? .everyone, status: .active,
            client: redirects.isEmpty ? nil : .init(type: OAuthClient.ClientType(rawValue: form["clientType"] ?? "") ?? .confidential,
                                                     redirectURIs: redirects, postLogoutRedirectURIs: nil, scopes: nil, minimumACR: nil))
        do {
            let registered = try await catalogue.register(new, by: principal, actor: Actor(principal), logger: context.logger)
            return try await page(context: context, values: ["created": registered.service.code, "clientID": registered.clientID ?? "",
                                                             "secret": registered.clientSecret ?? ""], status: .created)
        } catch let problem as Problem where problem.status == .badRequest || problem.status == .conflict {
            let errors = problem.errors.isEmpty ? [["text": problem.detail]] : problem.errors.map { ["text": "\($0.field): \($0.message)"] }
            return try await page(context: context, values: ["errors": errors, "form": form.values], status: problem.status)
        }
    }

    @Sendable func edit(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let principal = try context.requirePrincipal()
        let code = context.parameters.get("code") ?? ""
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        let changes = ServiceChanges(name: form["name"].flatMap { $0.isEmpty ? nil : $0 }, launchURL: form["launchURL"].flatMap { $0.isEmpty ? nil : $0 },
                                     status: form["status"].flatMap(CityService.Status.init(rawValue:)))
        do {
            _ = try await catalogue.update(code, with: changes, by: principal, logger: context.logger)
            return try await page(context: context, values: ["updated": code], status: .ok)
        } catch let problem as Problem where problem.status == .badRequest {
            return try await page(context: context, values: ["errors": problem.errors.map { ["text": "\($0.field): \($0.message)"] }], status: .badRequest)
        }
    }

    @Sendable func rotate(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let code = context.parameters.get("code") ?? ""
        let secret = try await catalogue.rotateSecret(of: code, by: principal, actor: Actor(principal), logger: context.logger)
        return try await page(context: context, values: ["rotated": code, "clientID": code, "secret": secret], status: .ok)
    }

    private func page(context: HuesRequestContext, values: [String: Any], status: HTTPResponse.Status) async throws -> Response {
        let principal = try context.requirePrincipal()
        let all = try await catalogue.list(for: principal, logger: context.logger)
        let mine = all.filter { ServiceCatalogue.mayManage(principal, unit: $0.ownerUnit) }
        var values = values
        if values["errors"] == nil { values["errors"] = [[String: String]]() }
        values["services"] = mine.map { service -> [String: Any] in
            var row: [String: Any] = ["code": service.code, "name": service.name, "unit": service.ownerUnit, "status": service.status.rawValue,
                                      "launchURL": service.launchURL,
                                      "statuses": CityService.Status.allCases.map { ["value": $0.rawValue, "selected": $0 == service.status] }]
            if service.clientID != nil { row["hasClient"] = true }
            return row
        }
        let words = renderer.translations.table(for: context.language)
        values["categories"] = CityService.Category.allCases.map { ["value": $0.rawValue, "label": words["category_\($0.rawValue)"] ?? $0.rawValue] }
        values["units"] = principal.has(.admin) ? [[String: String]]() : principal.grants.filter { $0.role == .unitLeader }.compactMap { $0.unitCode.map { ["code": $0] } }
        return try renderer.page("admin-services", title: "admin_services_title", context: context, values: values, status: status)
    }
}
