import FluentKit
import Foundation
import Logging
import Platform
import ServiceLifecycle
import Web
import Workflow

/// Field reports: citizens report city problems, the operations centre verifies and routes them, units handle them by
/// a deadline; Open311 GeoReport v2 for integrating clients. A city without `field-reports.json` has none.
public struct FieldReportsModule: PlatformModule {
    public let reports: FieldReportService
    public let clients: Open311Clients
    let renderer: PageRenderer?
    let publicBaseURL: String

    public init?(database: PlatformDatabase, profile: CityProfile, workflow: WorkflowStore, notices: (any NoticeBoard)?, renderer: PageRenderer?,
                 publicBaseURL: String) throws {
        guard let settings = try ReportSettings.load(profile: profile, processes: Set(workflow.library.processes.keys)) else { return nil }
        let boundaries = try UnitBoundaries(profile: profile)
        self.reports = FieldReportService(database: database, settings: settings, boundaries: boundaries, workflow: workflow, profile: profile,
                                          notices: notices, resizer: PhotoResizer.fromPath(logger: Logger(label: "hues.field-reports")))
        self.clients = Open311Clients(database: database)
        self.renderer = renderer
        self.publicBaseURL = publicBaseURL
    }

    public var name: String { "field-reports" }
    public var migrations: [any Migration] { [CreateFieldReportsTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        FieldReportsRoutes(reports: reports, clients: clients).addRoutes(to: routes)
        Open311Routes(reports: reports, clients: clients, publicBaseURL: publicBaseURL).addRoutes(to: routes)
        if let renderer { FieldReportsPages(reports: reports, renderer: renderer).addRoutes(to: routes) }
    }
}

/// Closes results nobody reopened within the window, every `every` while the server runs.
public struct FieldReportsSweepService: Service {
    let reports: FieldReportService
    let every: Duration
    let logger: Logger

    public init(module: FieldReportsModule, every: Duration, logger: Logger) {
        self.reports = module.reports
        self.every = every
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                let closed = try await reports.closeSettled(logger: logger)
                if closed > 0 { logger.info("closed settled field reports", metadata: ["count": "\(closed)"]) }
            } catch {
                logger.error("field report sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
        }
    }
}
