import FluentKit
import Foundation
import Hummingbird
import ServiceLifecycle

/// Everything a module brings to the platform, declared in one place (its manifest): its tables, routes, city-profile
/// sync, demo seed, background work, pages and translations, navigation links, the events it writes, the figures it
/// contributes and the capabilities it needs from others. `App` only walks the list of modules; adding a service to
/// the city means adding a module and one line in App, never editing another module.
public protocol PlatformModule: Sendable {
    /// Short, stable name (used in logs, as the event-type prefix, and to leave a module out).
    var name: String { get }
    /// The module's own migrations, in order. Names must be unique across the platform.
    var migrations: [any Migration] { get }
    /// Registers the module's routes; each states who may call it.
    func addRoutes(to routes: SecuredRouter)
    /// Brings the module's reference data in line with the city profile (runs on every start).
    func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws
    /// Work before `hues serve` starts serving, not before other commands (after `syncProfile`): what the running
    /// configuration alone may decide, such as removing what it no longer asks for.
    func prepareToServe(database: PlatformDatabase) async throws
    /// Adds demo records (idempotent: running it twice changes nothing) and returns lines to show the operator.
    func seedDemo(_ demo: DemoSeeding) async throws -> [String]
    /// Periodic work while the server runs (sweeps, deliveries), each with its interval.
    var backgroundWork: [BackgroundWork] { get }
    /// Long-running services beside the HTTP server (listeners on other ports), started and stopped with it.
    var services: [any Service] { get }
    /// The module's pages, translations, scripts and part of the OpenAPI document.
    var resources: ModuleResources? { get }
    /// Links the module adds to the site's navigation.
    var navigation: [NavigationEntry] { get }
    /// The citizen's main tasks the module offers (the phone's bottom bar, the installed app's shortcuts).
    var tasks: [MainTask] { get }
    /// Scripts every page loads (`/static/…` paths from the module's own assets), for work that must go on whichever
    /// page is open, such as sending reports queued while offline.
    var pageScripts: [String] { get }
    /// Public pages and reads the platform may answer from memory for visitors who are not signed in, with the event
    /// types that change them.
    var publicCaching: [CacheablePath] { get }
    /// The event types the module writes to the event log.
    var events: [EventDeclaration] { get }
    /// Figures the module contributes to the city's scorecards and live screens.
    var indicators: [IndicatorDeclaration] { get }
    /// Figures the operations centre keeps live from the module's events.
    var liveFigures: [LiveFigure] { get }
    /// Capabilities the module asks other modules for.
    var requirements: [CapabilityRequirement] { get }
    /// What an operator should watch in the module (backlogs, expiring certificates): `hues doctor` runs them.
    var healthChecks: [HealthCheck] { get }
    /// The personal data the module keeps, for the platform's register.
    var personalData: [PersonalDataField] { get }
    /// The person's own records in the module, for "download my data".
    var personalDataSource: (any PersonalDataSource)? { get }
}

extension PlatformModule {
    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {}
    public func prepareToServe(database: PlatformDatabase) async throws {}
    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] { [] }
    public var backgroundWork: [BackgroundWork] { [] }
    public var services: [any Service] { [] }
    public var resources: ModuleResources? { nil }
    public var navigation: [NavigationEntry] { [] }
    public var tasks: [MainTask] { [] }
    public var pageScripts: [String] { [] }
    public var publicCaching: [CacheablePath] { [] }
    public var events: [EventDeclaration] { [] }
    public var indicators: [IndicatorDeclaration] { [] }
    public var liveFigures: [LiveFigure] { [] }
    public var requirements: [CapabilityRequirement] { [] }
    public var healthChecks: [HealthCheck] { [] }
    public var personalData: [PersonalDataField] { [] }
    public var personalDataSource: (any PersonalDataSource)? { nil }
}
