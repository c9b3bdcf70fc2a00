import FieldReports
import Foundation
import Hummingbird
import Identity
import Logging
import Notices
import Payments
import ServiceLifecycle
import Platform
import Web
import Workflow

/// Puts the HTTP server in front of a prepared runtime: middleware in order, then every module's routes.
///
/// Middleware order, outermost first: request log and metrics see every request; security headers and the
/// language wrap even error pages; problems are rendered before them; the body limit and authentication run
/// closest to the handlers.
public func buildApplication(runtime: HuesRuntime) async throws -> some ApplicationProtocol {
    let configuration = runtime.configuration
    let catalog = RouteCatalog()
    let router = Router(context: HuesRequestContext.self)
    let registry = Observability.registry
    router.addMiddleware {
        ClientAddressMiddleware(trusted: configuration.trustedProxies)
        RequestLogMiddleware(.info)
        RequestMetricsMiddleware()
        SecurityHeadersMiddleware(strictTransport: configuration.publicBaseURL.hasPrefix("https://"))
        LanguageMiddleware()
        ProblemMiddleware(catalog: catalog, bodyLimit: configuration.maxBodyBytes)
        BodyLimitMiddleware(limit: configuration.maxBodyBytes)
        runtime.identity.authentication
    }
    let routes = SecuredRouter(router: router, catalog: catalog)
    guard let openAPIURL = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
        throw ConfigurationError(problems: [ConfigProblem(key: "openapi.json", message: "missing from the build")])
    }
    SystemRoutes(database: runtime.database, registry: registry, renderer: runtime.renderer,
                 openAPIDocument: try Data(contentsOf: openAPIURL)).addRoutes(to: routes)
    try StaticAssets().addRoutes(to: routes)
    for module in runtime.modules { module.addRoutes(to: routes) }

    var logger = runtime.logger
    logger.logLevel = configuration.logLevel
    var services: [any Service] = []
    // A poll interval of 0 means nobody sends in the background (tests call `deliverDue` themselves).
    if let delivery = runtime.noticeDelivery, configuration.noticePollSeconds > 0 {
        services.append(NoticeDeliveryService(delivery: delivery, interval: .seconds(configuration.noticePollSeconds), logger: logger))
    }
    if configuration.escalationSeconds > 0 {
        services.append(EscalationService(sweep: runtime.escalation, every: .seconds(configuration.escalationSeconds), logger: logger))
        // Closing settled field reports runs on the escalation timer: both are "time has passed" sweeps over cases.
        if let fieldReports = runtime.fieldReports {
            services.append(FieldReportsSweepService(module: fieldReports, every: .seconds(configuration.escalationSeconds), logger: logger))
        }
    }
    if configuration.paymentsSweepSeconds > 0 {
        services.append(PaymentsSweepService(module: runtime.payments, every: .seconds(configuration.paymentsSweepSeconds), logger: logger))
    }
    // The database is listed last so it shuts down after the workers that use it.
    services.append(DatabaseService(database: runtime.database))
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "HueS"),
        services: services,
        logger: logger
    )
}

/// The routes the application serves with their access rules (for the authorisation matrix and the docs).
public func routeCatalog(runtime: HuesRuntime) throws -> RouteCatalog {
    let catalog = RouteCatalog()
    let routes = SecuredRouter(router: Router(context: HuesRequestContext.self), catalog: catalog)
    SystemRoutes(database: runtime.database, registry: Observability.registry, renderer: runtime.renderer, openAPIDocument: Data()).addRoutes(to: routes)
    try StaticAssets().addRoutes(to: routes)
    for module in runtime.modules { module.addRoutes(to: routes) }
    return catalog
}
