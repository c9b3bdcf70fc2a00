import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Platform
import Web

/// Puts the HTTP server in front of a prepared runtime: middleware in order, then every module's routes.
///
/// Middleware order, outermost first: request log and metrics see every request; security headers and the
/// language wrap even error pages; problems are rendered before them; the body limit and authentication run
/// closest to the handlers.
public func buildApplication(runtime: HuesRuntime) async throws -> some ApplicationProtocol {
    let configuration = runtime.configuration
    let catalog = RouteCatalog()
    let router = Router(context: HuesRequestContext.self)
    router.addMiddleware {
        ClientAddressMiddleware(trusted: configuration.trustedProxies)
        RequestLogMiddleware(.info)
        RequestMetricsMiddleware()
        SecurityHeadersMiddleware(strictTransport: configuration.publicBaseURL.hasPrefix("https://"), imageSources: [configuration.map.tileOrigin].compactMap { $0 })
        LanguageMiddleware()
        ProblemMiddleware(catalog: catalog, bodyLimit: configuration.maxBodyBytes)
        BodyLimitMiddleware(limit: configuration.maxBodyBytes)
        runtime.identity.authentication
        SecuritySignalMiddleware(signals: { [capabilities = runtime.capabilities] in capabilities.first((any SecuritySignals).self) })
        RequestLimitMiddleware(runtime.requestLimits)
        RefusedCredentialMiddleware()
        PublicResponseCache(runtime.modules.flatMap(\.publicCaching), changes: runtime.database.changes)
    }
    let routes = SecuredRouter(router: router, catalog: catalog)
    try addAllRoutes(runtime: runtime, to: routes, openAPIDocument: try OpenAPIDocument.merged(runtime.modules))

    var logger = runtime.logger
    logger.logLevel = configuration.logLevel
    // One worker runs every module's periodic work. A service group stops its services in reverse order, so the
    // database is listed first: it closes after the worker's last round, not under it (that round used to fail with
    // "the server is shutting down").
    let instance = instanceName()
    var services: [any Service] = [DatabaseService(database: runtime.database),
                                   BackgroundWorker(work: runtime.backgroundWork, leases: WorkLeases(database: runtime.database, holder: instance), logger: logger)]
    services += runtime.modules.flatMap(\.services)
    if let broadcast = ChangeBroadcast(database: runtime.database, instance: instance, eventTypes: runtime.modules.flatMap(\.events).map(\.type),
                                       logger: logger) {
        services.append(broadcast)
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "HueS"),
        services: services,
        logger: logger
    )
}

/// The platform's own routes (health, metrics, the contract, the home page, static assets), then every module's.
func addAllRoutes(runtime: HuesRuntime, to routes: SecuredRouter, openAPIDocument: Data) throws {
    SystemRoutes(database: runtime.database, registry: Observability.registry, renderer: runtime.renderer, openAPIDocument: openAPIDocument,
                 sections: Set(runtime.modules.map(\.name))).addRoutes(to: routes)
    OperatorRoutes(runtime: runtime).addRoutes(to: routes)
    LiveRoutes(changes: runtime.database.changes, topics: Set(runtime.modules.flatMap(\.publicCaching).flatMap(\.topics))).addRoutes(to: routes)
    PersonalDataRoutes(modules: runtime.modules, accounts: runtime.identity.accounts, renderer: runtime.renderer,
                       secureCookies: runtime.configuration.publicBaseURL.hasPrefix("https://")).addRoutes(to: routes)
    let assets = try StaticAssets(runtime.modules.compactMap(\.resources) + [WebResources.shared].compactMap { $0 })
    assets.addRoutes(to: routes)
    runtime.mapLibrary.addRoutes(to: routes)
    try AppShell(assets: assets, vendor: runtime.mapLibrary, renderer: runtime.renderer, city: runtime.profile.city).addRoutes(to: routes)
    for module in runtime.modules { module.addRoutes(to: routes) }
}

/// The routes the application serves with their access rules (for the authorisation matrix and the docs).
public func routeCatalog(runtime: HuesRuntime) throws -> RouteCatalog {
    let catalog = RouteCatalog()
    try addAllRoutes(runtime: runtime, to: SecuredRouter(router: Router(context: HuesRequestContext.self), catalog: catalog), openAPIDocument: Data())
    return catalog
}

/// This process among the platform's instances, as leases and logs name it: host, process and a random part, since
/// containers on one host all run as process 1.
func instanceName() -> String {
    "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
}
