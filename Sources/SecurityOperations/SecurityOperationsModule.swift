import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import ServiceLifecycle
import Web

/// The security operations centre (SOC): events from the units' machines (ECS NDJSON over HTTP with per-unit keys;
/// syslog and CEF parsers ready for the listeners), Sigma rules run on ingest, alerts grouped into incidents that
/// analysts handle, and the units' computers as their events show them.
public struct SecurityOperationsModule: PlatformModule {
    public let ingest: SecurityIngest
    public let detection: SecurityDetection
    let keys: IngestKeys
    let desk: IncidentDesk
    let links: IncidentLinks
    let retention: SecurityEventRetention
    let search: SecurityEventSearch
    let access: SecurityAccess
    /// The platform's own failed sign-ins, refusals and bad webhook signatures, on their way in.
    let platformSignals = PlatformSignals()
    /// Syslog from the city's machines, on its way in.
    public let syslog: SyslogIntake
    let context: ModuleContext
    /// The console's pages; nil: API only (tests of the API alone, the benchmark).
    let renderer: PageRenderer?

    /// In-flight ingest batches before the SOC sheds load (each at most a request body).
    public static let ingestCapacity = 8

    public init(context: ModuleContext, detection: SecurityDetection? = nil, renderer: PageRenderer? = nil) throws {
        self.context = context
        self.renderer = renderer
        let settings = context.configuration.security
        let detection = try detection ?? SecurityDetection.load(extraFolders: settings.ruleFolders.map { URL(fileURLWithPath: $0) })
        self.detection = detection
        ingest = SecurityIngest(database: context.database, detection: detection,
                                gate: IngestGate(capacity: Self.ingestCapacity), capabilities: context.capabilities, clock: context.clock)
        keys = IngestKeys(database: context.database, clock: context.clock)
        desk = IncidentDesk(database: context.database, clock: context.clock)
        retention = SecurityEventRetention(database: context.database, days: settings.retentionDays, clock: context.clock)
        links = IncidentLinks(database: context.database, capabilities: context.capabilities, clock: context.clock)
        context.capabilities.provide((any SecurityIncidentLinks).self, links, by: "security")
        search = SecurityEventSearch(database: context.database, clock: context.clock)
        access = SecurityAccess(securityUnit: context.profile.city.securityUnit)
        context.capabilities.provide((any SecuritySignals).self, platformSignals, by: "security")
        syslog = SyslogIntake(sources: settings.sources, timeZone: context.profile.calendar.timeZone, clock: context.clock)
    }

    public var services: [any Service] {
        let settings = context.configuration.security
        guard settings.syslogUDPPort > 0 || settings.syslogTCPPort > 0 else { return [] }
        return [SyslogListener(host: settings.syslogHost, udpPort: settings.syslogUDPPort > 0 ? settings.syslogUDPPort : nil,
                               tcpPort: settings.syslogTCPPort > 0 ? settings.syslogTCPPort : nil, intake: syslog,
                               logger: context.logger("security"))]
    }

    /// Sends the platform's waiting signals now (what the background round does every two seconds).
    public func flushPlatformSignals(logger: Logger) async throws {
        try await platformSignals.flush(into: ingest, logger: logger)
    }

    /// Removes stored events past their retention now (what the background round does every hour); returns how many.
    @discardableResult
    public func expireEvents(logger: Logger) async throws -> Int { try await retention.sweep(logger: logger) }

    /// Takes in the syslog waiting now (what the background round does every second).
    public func flushSyslog(logger: Logger) async throws {
        try await syslog.drain(into: ingest, logger: logger)
    }

    public var backgroundWork: [BackgroundWork] {
        let (signals, ingest, syslog, retention) = (platformSignals, ingest, syslog, retention)
        // Every instance sends its own buffers (not single-instance): each saw its own requests and datagrams.
        return [BackgroundWork("the platform's security signals to the SOC", every: .seconds(2)) { logger in
            try await signals.flush(into: ingest, logger: logger)
        }, BackgroundWork("syslog taken in by the SOC", every: .seconds(1)) { logger in
            try await syslog.drain(into: ingest, logger: logger)
        }, BackgroundWork("stored security events past their retention", every: .seconds(3_600), singleInstance: true) { logger in
            try await retention.sweep(logger: logger)
        }]
    }

    /// Three weeks of the demo city's security events (with history only: tests start from an empty SOC).
    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] {
        guard demo.includesHistory else { return [] }
        let stored = try await context.database.sql(logger: demo.logger).raw("SELECT COUNT(*) AS n FROM soc_events").first()?
            .decode(column: "n", as: Int64.self) ?? 0
        guard stored == 0 else { return ["security: demo events already there"] }
        let lines = SecurityDemo.lines(units: context.profile.units.map(\.code), now: context.clock())
        var alerts = 0
        for (unit, batch) in Dictionary(grouping: lines, by: \.unit).sorted(by: { $0.key < $1.key }) {
            guard await ingest.admit() else { throw Problem.unavailable(detail: "The SOC is busy; the demo events were not all stored.") }
            do {
                let receipt = try await ingest.ingestNDJSON(admitted: Array(batch.map(\.json).joined(separator: "\n").utf8), unit: unit, logger: demo.logger)
                alerts += receipt.alerts
                await ingest.release()
            } catch {
                await ingest.release()
                throw error
            }
        }
        // Inventory dates arrival, not the sender's clock: the demo's silent computers are set back to their last event.
        let silent = Int64((context.clock().timeIntervalSince1970 - 10 * 86_400) * 1000)
        try await context.database.write(logger: demo.logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("UPDATE soc_endpoints SET last_seen_at_ms = \(bind: silent) WHERE host_name LIKE \(bind: SecurityDemo.silentHostPattern)").run()
        }
        return ["security: \(lines.count) demo events from the units' machines, \(alerts) alerts"]
    }

    public var name: String { "security" }
    public var migrations: [any Migration] { [CreateSecurityTables(), CreateIncidentLinks(), CreateSenderEventIDs()] }
    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public var navigation: [NavigationEntry] {
        renderer == nil ? [] : [NavigationEntry(label: "nav_soc", path: "/soc", order: 62, access: SecurityAccess.analysts),
                                NavigationEntry(label: "nav_soc_unit", path: "/soc/unit", order: 63, access: .roles([.unitLeader, .officer]))]
    }

    public var events: [EventDeclaration] {
        [EventDeclaration("security.incident.opened", payload: "rule, level, host"),
         EventDeclaration("security.incident.acknowledged", payload: "detail"), EventDeclaration("security.incident.assigned", payload: "detail"),
         EventDeclaration("security.incident.closed", payload: "detail (the reason)"), EventDeclaration("security.incident.noted", payload: ""),
         EventDeclaration("security.incident.linked", payload: "kind, reference (an operations-centre alert or a field report)"),
         EventDeclaration("security.incident.unlinked", payload: "kind, reference"),
         EventDeclaration("security.ingest-key.created", payload: ""), EventDeclaration("security.ingest-key.revoked", payload: "")]
    }

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement((any CaseDirectory).self, required: false, reason: "incidents link to operations-centre alerts and field reports"),
         CapabilityRequirement((any StaffDirectory).self, required: false, reason: "incidents are assigned to SOC analysts by username, and a unit's leaders hear of its incidents"),
         CapabilityRequirement((any NoticeBoard).self, required: false, reason: "a notice to the unit's leaders when an incident opens on its machines")]
    }

    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "soc_events", columns: ["fields", "raw_base64"], category: "user names and addresses in machines' logs",
                           purpose: "to detect attacks on the city's computers", basis: .publicDuty, retention: "as the SOC's retention"),
         PersonalDataField(table: "soc_incidents", columns: ["assigned_to", "acknowledged_by", "closed_by", "close_reason"],
                           category: "account id and note", purpose: "who handled an incident, and why it was closed",
                           basis: .publicDuty, retention: "as the incident"),
         PersonalDataField(table: "soc_incident_notes", columns: ["author", "body"], category: "name and note",
                           purpose: "analysts' notes on an incident", basis: .publicDuty, retention: "as the incident"),
         PersonalDataField(table: "soc_incident_links", columns: ["linked_by"], category: "account id",
                           purpose: "who linked an incident to an alert or a report", basis: .publicDuty, retention: "as the incident"),
         PersonalDataField(table: "soc_ingest_keys", columns: ["created_by"], category: "account id",
                           purpose: "who made a unit's ingest key", basis: .publicDuty, retention: "as the key")]
    }

    public func addRoutes(to routes: SecuredRouter) {
        IngestRoutes(ingest: ingest, keys: keys, access: access, units: Set(context.profile.units.map(\.code))).addRoutes(to: routes)
        IncidentRoutes(desk: desk, links: links, access: access, staff: context.capabilities.first((any StaffDirectory).self)).addRoutes(to: routes)
        let reports = MonthlyReports(database: context.database, timeZone: context.profile.calendar.timeZone)
        SecurityReadRoutes(search: search, detection: detection, access: access, reports: reports).addRoutes(to: routes)
        if let renderer {
            SecurityPages(desk: desk, links: links, search: search, detection: detection, reports: reports, access: access,
                          staff: context.capabilities.first((any StaffDirectory).self), profile: context.profile, renderer: renderer,
                          clock: context.clock).addRoutes(to: routes)
        }
    }
}
