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

    public init(database: PlatformDatabase, identity: IdentityModule, renderer: PageRenderer?) {
        self.catalogue = ServiceCatalogue(database: database, clients: identity.clients, orgTree: identity.orgTree)
        self.renderer = renderer
    }

    public var name: String { "catalog" }
    public var migrations: [any Migration] { [CreateCatalogTables(), AddEnglishDescriptions()] }

    public func addRoutes(to routes: SecuredRouter) {
        CatalogRoutes(catalogue: catalogue, renderer: renderer).addRoutes(to: routes)
    }

    public func seedDemo(database: PlatformDatabase) async throws -> [String] {
        let logger = Logger(label: "hues.catalog.demo")
        var added = 0
        for service in DemoServices.all where try await catalogue.find(service.code, logger: logger) == nil {
            _ = try await catalogue.register(service, by: nil, actor: Actor(id: nil, name: "demo-seed"), logger: logger)
            added += 1
        }
        return ["services: \(DemoServices.all.count) in the catalogue (\(added) added), see /services"]
    }
}
