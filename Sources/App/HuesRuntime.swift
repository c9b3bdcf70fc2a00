import Catalog
import FieldReports
import FluentKit
import Foundation
import Identity
import Logging
import Notices
import Payments
import Operations
import SecurityOperations
import Performance
import Platform
import PublicServices
import Signatures
import Web
import Workflow

/// The platform assembled from its configuration: the city profile, the database, the secrets and the list of
/// modules. The CLI uses it for `migrate`, `demo` and the module commands; `buildApplication` puts an HTTP server in
/// front of it. Nothing here knows what a module does: modules declare it in their manifests.
public struct HuesRuntime: Sendable {
    public let configuration: HuesConfiguration
    public let profile: CityProfile
    public let database: PlatformDatabase
    public let secrets: SecretBox
    public let renderer: PageRenderer
    public let capabilities: Capabilities
    /// In migration order: a module comes after the modules whose tables or capabilities it needs.
    public let modules: [any PlatformModule]
    /// Sign-in is how every request is authenticated, so the identity module is always there.
    public let identity: IdentityModule
    /// Leaflet from the system's copy (empty when it is not installed: the maps fall back to SVG).
    public let mapLibrary: VendorAssets
    /// The operator's per-route rate limits and daily quotas (`HUES_RATE_LIMITS`).
    public let requestLimits: RequestLimits
    public let logger: Logger

    /// The city's modules, built in order. Each line is one module; leaving one out (`without`) leaves a working
    /// platform without its tables, pages, links, routes and background work.
    static func buildModules(_ context: ModuleContext, renderer: PageRenderer, without: Set<String>) async throws -> [any PlatformModule] {
        var modules: [any PlatformModule] = [PlatformKernelModule(context: context)]
        var names: [String] = []
        func add(_ name: String, _ build: () async throws -> (any PlatformModule)?) async throws {
            names.append(name)
            if !without.contains(name), let module = try await build() { modules.append(module) }
        }
        try await add("notices") { try NoticesModule(context: context, renderer: renderer) }
        try await add("identity") { try await IdentityModule(context: context, renderer: renderer) }
        try await add("catalog") { try CatalogModule(context: context, renderer: renderer) }
        try await add("workflow") { try WorkflowModule(context: context) }
        try await add("public-services") { try PublicServicesModule(context: context, renderer: renderer) }
        try await add("signatures") { try SignaturesModule(context: context, renderer: renderer) }
        try await add("payments") { try PaymentsModule(context: context, renderer: renderer) }
        try await add("field-reports") { try FieldReportsModule(context: context, renderer: renderer) }
        // After the modules whose live figures it keeps (and with its own).
        try await add("operations") { try OperationsModule(context: context, liveFigures: modules.flatMap(\.liveFigures), renderer: renderer) }
        try await add("security") { try SecurityOperationsModule(context: context, renderer: renderer) }
        // Last, so it sees the indicators every other module declares.
        try await add("performance") { try PerformanceModule(context: context, declarations: modules.flatMap(\.indicators), renderer: renderer) }
        // A misspelt name would leave on a module the operator meant to switch off, so it stops the start.
        let unknown = without.subtracting(names).sorted()
        guard unknown.isEmpty else {
            throw ConfigurationError(problems: [ConfigProblem(key: "HUES_MODULES_OFF", message:
                "no module named \(unknown.joined(separator: ", ")); the modules are \(names.joined(separator: ", "))")])
        }
        return modules
    }

    /// Every problem with the configuration, the profile and the master key, gathered before anything starts.
    /// `without` names modules to leave out, besides those `HUES_MODULES_OFF` names.
    /// `clock` is the system's, or one a test moves.
    public static func make(configuration: HuesConfiguration, logger: Logger = Logger(label: "hues"), without extra: Set<String> = [],
                            clock: @escaping @Sendable () -> Date = Date.init) async throws -> HuesRuntime {
        // Metrics before any database work: a metric first touched before the bootstrap (migrations and demo seeds
        // write) stays a no-op for the life of the process and never reaches /metrics.
        _ = Observability.registry
        let without = configuration.modulesOff.union(extra)
        var problems: [ConfigProblem] = []
        var profile: CityProfile?
        var secrets: SecretBox?
        do { profile = try CityProfile.load(path: configuration.cityProfilePath) } catch let error as ConfigurationError { problems += error.problems }
        do { secrets = try SecretBox.masterKey(configuration: configuration) } catch let error as ConfigurationError { problems += error.problems }
        guard problems.isEmpty, let profile, let secrets else { throw ConfigurationError(problems: problems) }
        guard !without.contains("identity") else {
            throw ConfigurationError(problems: [ConfigProblem(key: "modules", message: "the identity module signs everyone in and cannot be left out")])
        }

        let database = try PlatformDatabase(location: configuration.database, replicaURL: configuration.databaseReplicaURL)
        let context = ModuleContext(configuration: configuration, profile: profile, database: database, secrets: secrets, logger: logger, clock: clock)
        let renderer = PageRenderer(timeZone: profile.calendar.timeZone)
        let modules = try await buildModules(context, renderer: renderer, without: without)
        try Self.checkRequirements(of: modules, in: context.capabilities)
        let mapLibrary = VendorAssets(folder: configuration.map.libraryFolder)
        if !mapLibrary.isAvailable {
            logger.notice("Leaflet is not installed: maps are plain SVG (apt-get install libjs-leaflet libjs-leaflet.markercluster)",
                          metadata: ["folder": .string(configuration.map.libraryFolder)])
        }
        // The operators' status page is the platform's own, not a module's.
        let navigation = modules.flatMap(\.navigation) + [NavigationEntry(label: "nav_status", path: "/admin/status", order: 200, access: .roles([.admin]))]
        var chrome = SiteChrome(navigation: navigation, tasks: modules.flatMap(\.tasks), pageScripts: modules.flatMap(\.pageScripts))
        if mapLibrary.isAvailable { chrome.map = SiteChrome.MapChrome(tiles: configuration.map.tiles, attribution: configuration.map.attribution) }
        try await renderer.install(modules.compactMap(\.resources) + [WebResources.shared, ModuleResources(bundle: .module)].compactMap { $0 }, chrome: chrome)
        guard let identity = modules.lazy.compactMap({ $0 as? IdentityModule }).first else { throw ConfigurationError(problems: []) }
        return HuesRuntime(configuration: configuration, profile: profile, database: database, secrets: secrets, renderer: renderer,
                           capabilities: context.capabilities, modules: modules, identity: identity, mapLibrary: mapLibrary,
                           requestLimits: RequestLimits(settings: configuration.rateLimits, quotas: DailyQuotas(database: database),
                                                        timeZone: profile.calendar.timeZone),
                           logger: logger)
    }

    /// A capability a module cannot work without must be provided by a module in the list.
    static func checkRequirements(of modules: [any PlatformModule], in capabilities: Capabilities) throws {
        let provided = Set(capabilities.provided.map(\.capability))
        let missing = modules.flatMap { module in
            module.requirements.filter { $0.required && !provided.contains($0.capability) }.map { (module.name, $0) }
        }
        guard missing.isEmpty else {
            throw ConfigurationError(problems: missing.map { module, requirement in
                ConfigProblem(key: "modules", message: "\(module) needs \(requirement.capability) (\(requirement.reason)), which no module provides")
            })
        }
    }

    /// The module of this type, when it is part of the platform.
    public func module<M: PlatformModule>(_ type: M.Type) -> M? {
        modules.lazy.compactMap { $0 as? M }.first
    }

    /// The module of this type, or a configuration error saying it is not part of this platform.
    public func require<M: PlatformModule>(_ type: M.Type) throws -> M {
        guard let module = module(type) else {
            throw ConfigurationError(problems: [ConfigProblem(key: "modules", message: "\(type) is not part of this platform")])
        }
        return module
    }

    /// Creates or updates the tables, then brings reference data (the org tree) in line with the city profile.
    /// Instances starting together take turns (the second finds the work done), so two never create the same table
    /// or two active signing keys.
    public func migrate() async throws {
        try await database.exclusively(logger: logger) { [self] in
            try await database.migrate(modules.flatMap(\.migrations), logger: logger)
            for module in modules { try await module.syncProfile(profile, database: database) }
            try await identity.tokens.prepare(logger: logger)
        }
    }

    /// What only a serving instance does before it serves (`PlatformModule.prepareToServe`), one instance at a time.
    public func prepareToServe() async throws {
        try await database.exclusively(logger: logger) { [self] in
            for module in modules { try await module.prepareToServe(database: database) }
        }
    }

    /// Loads the demo accounts (idempotent) and returns their logins; with `includingHistory`, also the demo city's
    /// dossiers, payments and reports (tests leave them out so each starts from empty queues).
    public func seedDemo(includingHistory: Bool = true) async throws -> [String] {
        var lines: [String] = []
        for module in modules {
            let demo = DemoSeeding(database: database, capabilities: capabilities, logger: Logger(label: "hues.demo.\(module.name)"),
                                   includesHistory: includingHistory)
            lines += try await module.seedDemo(demo)
        }
        return lines
    }

    /// Every module's background work, for one worker to run.
    public var backgroundWork: [BackgroundWork] {
        let limits = requestLimits
        return modules.flatMap(\.backgroundWork) + [BackgroundWork("forgetting old request-quota counts", every: .seconds(3600), singleInstance: true) { logger in
            try await limits.pruneOldCounts(logger: logger)
        }]
    }
}
