import FluentKit
import Foundation
import Logging

/// The kernel's own tables (the event log) and the audit API over them.
public struct PlatformKernelModule: PlatformModule {
    let database: PlatformDatabase
    let city: String
    let securityUnit: String?
    let capabilities: Capabilities
    /// How often the chain's head is signed (zero: never, as in tests that sign on demand).
    let checkpointInterval: Duration
    let clock: @Sendable () -> Date
    let timeZone: TimeZone

    public init(context: ModuleContext) {
        self.timeZone = context.profile.calendar.timeZone
        self.database = context.database
        self.city = context.profile.city.code
        self.securityUnit = context.profile.city.securityUnit
        self.capabilities = context.capabilities
        self.checkpointInterval = .seconds(context.configuration.auditCheckpointSeconds)
        self.clock = context.clock
    }

    /// The audit log is the whole city's: admins, and the SOC analysts of the city's security unit, not of a ward.
    func mayReadAudit(_ principal: Principal) -> Bool {
        principal.has(.admin) || securityUnit.map { principal.has(.socAnalyst, in: $0) } ?? false
    }

    public var name: String { "platform" }

    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "event_log", columns: ["actor_id", "actor_name", "subject", "payload"], category: "who did what, when",
                           purpose: "the audit trail every change leaves", basis: .legalObligation,
                           retention: "permanent: entries are hash-chained and are never rewritten or erased"),
         PersonalDataField(table: "personal_data_reads", columns: ["reader", "subject"], category: "which staff member saw whose record today",
                           purpose: "logging staff reads of personal data once a day", basis: .legalObligation,
                           retention: "until the next day (the event log keeps the read itself)")]
    }
    public var migrations: [any Migration] { EventLog.migrations() + WorkLeases.migrations() + DailyQuotas.migrations() + PersonalDataReads.migrations() }

    /// On PostgreSQL, entries wait in the inbox until sealed into the chain; every instance tries each moment and
    /// the advisory lock lets one at a time through, so sealing never waits for a lease to lapse.
    public var backgroundWork: [BackgroundWork] {
        var work: [BackgroundWork] = []
        if database.kind == .postgres {
            work.append(BackgroundWork("sealing the event log", every: .milliseconds(250)) { [database] logger in
                try await EventLog.seal(on: try database.db(logger: logger))
            })
        }
        work.append(BackgroundWork("forgetting yesterday's personal-data read marks", every: .seconds(3600), singleInstance: true) { [database, timeZone] logger in
            try await PersonalDataReads.prune(on: database, timeZone: timeZone, logger: logger)
        })
        // The signer is asked for at each round: the signatures module is built after the kernel, or may be off.
        work.append(BackgroundWork("signing event-log checkpoints", every: checkpointInterval, singleInstance: true) { [self] logger in
            try await signCheckpoint(logger: logger)
        })
        return work
    }

    /// Signs the chain's head if it moved; without a signer (signatures off) there is nothing to sign with.
    @discardableResult
    public func signCheckpoint(logger: Logger) async throws -> SignedCheckpoint? {
        guard let signer = capabilities.first((any CheckpointSigning).self) else { return nil }
        return try await EventCheckpoints.make(city: city, signer: signer, database: database, at: clock(), logger: logger)
    }

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
        // Published like certificate transparency's signed tree heads: anyone may keep copies to check the city against.
        routes.on(.get, "/api/v1/audit/checkpoints", access: .everyone, summary: "Signed checkpoints of the event log's chain") {
            request, context in
            let after = try request.queryInteger("after", in: 0...Int(Int32.max) * 1024) ?? 0
            let limit = try request.queryInteger("limit", in: 1...1000) ?? 100
            return JSONResponse(try await EventCheckpoints.list(after: after, limit: limit, on: try database.db(logger: context.logger)))
        }
        routes.on(.get, "/api/v1/audit/checkpoints/latest", access: .everyone, summary: "The latest signed checkpoint") { _, context in
            guard let latest = try await EventCheckpoints.latest(on: try database.db(logger: context.logger)) else {
                throw Problem.notFound("No checkpoint has been signed yet.")
            }
            return JSONResponse(latest)
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
