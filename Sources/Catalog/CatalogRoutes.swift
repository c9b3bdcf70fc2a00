import Foundation
import Hummingbird
import Identity
import Platform
import Web

/// `/api/v1/services` and the citizen's services page.
struct CatalogRoutes: Sendable {
    let catalogue: ServiceCatalogue
    let renderer: PageRenderer?

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/services", access: .everyone, summary: "Services available to the caller (q, category)", use: list)
        routes.on(.get, "/api/v1/services/:code", access: .everyone, summary: "One service", use: show)
        routes.on(.post, "/api/v1/services", access: .roles([.admin, .unitLeader]), summary: "Register a service and its sign-in client",
                  use: register)
        routes.on(.patch, "/api/v1/services/:code", access: .roles([.admin, .unitLeader]), summary: "Edit a service", use: update)
        routes.on(.post, "/api/v1/services/:code/client-secret", access: .roles([.admin, .unitLeader]),
                  summary: "Rotate a service's client secret (shown once)", use: rotate)
        if let renderer {
            routes.on(.get, "/services", access: .everyone, kind: .page, summary: "The services of the city", use: page)
            CatalogAdminPages(catalogue: catalogue, renderer: renderer).addRoutes(to: routes)
        }
    }

    @Sendable func list(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[CityService]> {
        let query = request.uri.queryParameters
        var category: CityService.Category?
        if let raw = query.get("category") {
            guard let parsed = CityService.Category(rawValue: raw) else {
                throw Problem.validation([.init(field: "category", message: "must be one of \(CityService.Category.allCases.map(\.rawValue).joined(separator: ", "))")])
            }
            category = parsed
        }
        return JSONResponse(try await catalogue.list(for: context.principal, search: request.formQuery("q"), category: category, logger: context.logger))
    }

    @Sendable func show(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<CityService> {
        let code = context.parameters.get("code") ?? ""
        guard let service = try await catalogue.find(code, logger: context.logger), service.isVisible(to: context.principal) else {
            throw Problem.notFound("No service '\(code)'.")
        }
        return JSONResponse(service)
    }

    @Sendable func register(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<RegisteredService> {
        var request = request
        let principal = try context.requirePrincipal()
        let input = try await request.decodeJSON(as: NewCityService.self, context: context)
        let registered = try await catalogue.register(input, by: principal, actor: Actor(principal), logger: context.logger)
        return JSONResponse(registered, status: .created, headers: [.location: "/api/v1/services/\(registered.service.code)"])
    }

    @Sendable func update(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<CityService> {
        var request = request
        let changes = try await request.decodeJSON(as: ServiceChanges.self, context: context)
        return JSONResponse(try await catalogue.update(context.parameters.get("code") ?? "", with: changes, by: try context.requirePrincipal(),
                                                       logger: context.logger))
    }

    struct Secret: Codable, Sendable {
        var clientID: String
        var clientSecret: String
    }

    @Sendable func rotate(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Secret> {
        let principal = try context.requirePrincipal()
        let code = context.parameters.get("code") ?? ""
        let secret = try await catalogue.rotateSecret(of: code, by: principal, actor: Actor(principal), logger: context.logger)
        return JSONResponse(Secret(clientID: code, clientSecret: secret))
    }

    @Sendable func page(_ request: Request, context: HuesRequestContext) async throws -> Response {
        guard let renderer else { throw Problem.notFound() }
        let search = request.formQuery("q")
        let services = try await catalogue.list(for: context.principal, search: search, logger: context.logger)
        let english = context.language == "en"
        let words = renderer.translations.table(for: context.language)
        let groups = Dictionary(grouping: services, by: \.category).sorted { $0.key.rawValue < $1.key.rawValue }.map { category, items in
            [
                "name": words["category_\(category.rawValue)"] ?? category.rawValue,
                "services": items.map { service -> [String: Any] in
                    var row: [String: Any] = ["name": english ? (service.nameEn ?? service.name) : service.name, "launchURL": service.launchURL]
                    if let description = english ? (service.descriptionEn ?? service.description) : service.description {
                        row["description"] = description
                    }
                    if service.status == .maintenance { row["maintenance"] = true }
                    return row
                },
            ] as [String: Any]
        }
        return try renderer.page("services", title: "services_title", context: context,
                                 values: ["groups": groups, "q": search ?? "", "empty": services.isEmpty])
    }
}
