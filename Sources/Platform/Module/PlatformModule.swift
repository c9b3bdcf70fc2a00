import FluentKit
import Foundation
import Hummingbird

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
    /// Adds demo records (idempotent: running it twice changes nothing) and returns lines to show the operator.
    func seedDemo(_ demo: DemoSeeding) async throws -> [String]
    /// Periodic work while the server runs (sweeps, deliveries), each with its interval.
    var backgroundWork: [BackgroundWork] { get }
    /// The module's pages, translations, scripts and part of the OpenAPI document.
    var resources: ModuleResources? { get }
    /// Links the module adds to the site's navigation.
    var navigation: [NavigationEntry] { get }
    /// The event types the module writes to the event log.
    var events: [EventDeclaration] { get }
    /// Figures the module contributes to the city's scorecards and live screens.
    var indicators: [IndicatorDeclaration] { get }
    /// Capabilities the module asks other modules for.
    var requirements: [CapabilityRequirement] { get }
}

extension PlatformModule {
    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {}
    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] { [] }
    public var backgroundWork: [BackgroundWork] { [] }
    public var resources: ModuleResources? { nil }
    public var navigation: [NavigationEntry] { [] }
    public var events: [EventDeclaration] { [] }
    public var indicators: [IndicatorDeclaration] { [] }
    public var requirements: [CapabilityRequirement] { [] }
}

/// The kernel's own tables (the event log) and the audit API over them.
public struct PlatformKernelModule: PlatformModule {
    let database: PlatformDatabase
    let securityUnit: String?

    public init(database: PlatformDatabase, securityUnit: String?) {
        self.database = database
        self.securityUnit = securityUnit
    }

    /// The audit log is the whole city's: admins, and the SOC analysts of the city's security unit, not of a ward.
    func mayReadAudit(_ principal: Principal) -> Bool {
        principal.has(.admin) || securityUnit.map { principal.has(.socAnalyst, in: $0) } ?? false
    }

    public var name: String { "platform" }
    public var migrations: [any Migration] { EventLog.migrations() + WorkLeases.migrations() }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/audit/events", access: .roles([.admin, .socAnalyst]), summary: "Read the event log after a cursor") {
            request, context in
            guard mayReadAudit(try context.requirePrincipal()) else { throw Problem.forbidden("The audit log is read by the city's security unit.") }
            let after = try request.queryInteger("after", in: 0...Int(Int32.max) * 1024) ?? 0
            let limit = try request.queryInteger("limit", in: 1...1000) ?? 100
            let db = try database.db(logger: context.logger)
            let events = try await EventLog.read(after: after, limit: limit, on: db)
            return JSONResponse(AuditPage(events: events, next: events.last?.seq ?? after, latest: try await EventLog.latestSeq(on: db)))
        }
        routes.on(.get, "/api/v1/audit/verify", access: .roles([.admin]), summary: "Verify the event log's hash chain") { _, context in
            let result = try await EventLog.verify(on: try database.db(logger: context.logger))
            return JSONResponse(AuditVerification(intact: result.isIntact, checked: result.checked, brokenAt: result.brokenAt, reason: result.reason))
        }
    }
}

struct AuditPage: Codable, Sendable {
    var events: [LoggedEvent]
    var next: Int
    var latest: Int
}

struct AuditVerification: Codable, Sendable {
    var intact: Bool
    var checked: Int
    var brokenAt: Int?
    var reason: String?
}
