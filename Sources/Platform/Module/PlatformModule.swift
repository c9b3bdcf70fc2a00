import FluentKit
import Foundation
import Hummingbird

/// What a module of the city platform brings: its tables, its routes and its demo data. `App` only walks the list
/// of modules; adding a service to the city means adding a module, not editing another one.
public protocol PlatformModule: Sendable {
    /// Short, stable name (used in logs and as the event-type prefix).
    var name: String { get }
    /// The module's own migrations, in order. Names must be unique across the platform.
    var migrations: [any Migration] { get }
    /// Registers the module's routes; each states who may call it.
    func addRoutes(to routes: SecuredRouter)
    /// Brings the module's reference data in line with the city profile (runs on every start).
    func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws
    /// Adds demo records (idempotent: running it twice changes nothing) and returns lines to show the operator.
    func seedDemo(database: PlatformDatabase) async throws -> [String]
}

extension PlatformModule {
    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {}
    public func seedDemo(database: PlatformDatabase) async throws -> [String] { [] }
}

/// The kernel's own tables (the event log) and the audit API over them.
public struct PlatformKernelModule: PlatformModule {
    let database: PlatformDatabase

    public init(database: PlatformDatabase) {
        self.database = database
    }

    public var name: String { "platform" }
    public var migrations: [any Migration] { EventLog.migrations() }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/audit/events", access: .roles([.admin, .socAnalyst]), summary: "Read the event log after a cursor") {
            request, context in
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
