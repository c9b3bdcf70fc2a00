import FluentKit
import Foundation
import Identity
import Logging
import Platform
import Web

/// The service catalogue's manifest.
public struct CatalogModule: PlatformModule {
    public let catalogue: ServiceCatalogue
    let renderer: PageRenderer?

    /// Asks identity for the OAuth clients (each service signs people in as one) and the org tree; provides the
    /// service registry (payments sends webhooks only to services in the catalogue).
    public init(context: ModuleContext, renderer: PageRenderer?) throws {
        let clients = try context.capabilities.require(OAuthClients.self, for: "catalog")
        let orgTree = try context.capabilities.require(OrgTree.self, for: "catalog")
        self.catalogue = ServiceCatalogue(database: context.database, clients: clients, orgTree: orgTree)
        self.renderer = renderer
        let catalogue = self.catalogue
        context.capabilities.provide((any ServiceRegistry).self, CatalogServiceRegistry(catalogue: catalogue), by: "catalog")
    }

    public var name: String { "catalog" }
    public var migrations: [any Migration] { [CreateCatalogTables(), AddEnglishDescriptions()] }

    public func addRoutes(to routes: SecuredRouter) {
        CatalogRoutes(catalogue: catalogue, renderer: renderer).addRoutes(to: routes)
    }

    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] {
        let logger = demo.logger
        var added = 0
        for service in DemoServices.all where try await catalogue.find(service.code, logger: logger) == nil {
            _ = try await catalogue.register(service, by: nil, actor: Actor(id: nil, name: "demo-seed"), logger: logger)
            added += 1
        }
        return ["services: \(DemoServices.all.count) in the catalogue (\(added) added), see /services"]
    }

    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public var navigation: [NavigationEntry] { [NavigationEntry(label: "nav_services", path: "/services", order: 10, access: .everyone)] }

    public var events: [EventDeclaration] {
        [EventDeclaration("catalog.service.registered", payload: "code, unit, category"), EventDeclaration("catalog.service.updated", payload: "code"),
         EventDeclaration("catalog.client-secret.rotated", payload: "code")]
    }

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement(OAuthClients.self, required: true, reason: "every service signs people in as an OpenID Connect client"),
         CapabilityRequirement(OrgTree.self, required: true, reason: "services belong to a unit of the city")]
    }
}

/// The catalogue answers whether a service exists (payments sends webhooks only to services of the city).
struct CatalogServiceRegistry: ServiceRegistry {
    let catalogue: ServiceCatalogue

    func isRegistered(_ code: String, logger: Logger) async throws -> Bool { try await catalogue.find(code, logger: logger) != nil }
}
