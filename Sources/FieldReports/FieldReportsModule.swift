import FluentKit
import Foundation
import Logging
import Platform
import Web
import Workflow

/// Field reports: citizens report city problems, the operations centre verifies and routes them, units handle them by
/// a deadline; Open311 GeoReport v2 for integrating clients. A city without `field-reports.json` has none.
public struct FieldReportsModule: PlatformModule {
    public let reports: FieldReportService
    public let clients: Open311Clients
    let renderer: PageRenderer?
    let capabilities: Capabilities
    let publicBaseURL: String

    let sweepInterval: Duration

    /// Asks for the workflow store and the notice board. A city whose profile has no `field-reports.json` has no
    /// field reports: the module is then left out (nil).
    public init?(context: ModuleContext, renderer: PageRenderer?) throws {
        let workflow = try context.capabilities.require(WorkflowStore.self, for: "field-reports")
        let profile = context.profile
        guard let settings = try ReportSettings.load(profile: profile, processes: Set(workflow.library.processes.keys)) else { return nil }
        let boundaries = try UnitBoundaries(profile: profile)
        self.reports = FieldReportService(database: context.database, settings: settings, boundaries: boundaries, workflow: workflow, profile: profile,
                                          notices: context.capabilities.first((any NoticeBoard).self),
                                          resizer: PhotoResizer.fromPath(logger: context.logger("field-reports")))
        self.clients = Open311Clients(database: context.database)
        self.capabilities = context.capabilities
        context.capabilities.provide((any CaseDirectory).self, FieldReportCases(reports: reports), by: "field-reports")
        self.renderer = renderer
        self.publicBaseURL = context.configuration.publicBaseURL
        // Closing settled reports is a "time has passed" sweep over cases, like escalation: it shares its timer.
        self.sweepInterval = .seconds(context.configuration.escalationSeconds)
    }

    public var name: String { "field-reports" }
    public var migrations: [any Migration] { [CreateFieldReportsTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        FieldReportsRoutes(reports: reports, clients: clients, capabilities: capabilities).addRoutes(to: routes)
        Open311Routes(reports: reports, clients: clients, publicBaseURL: publicBaseURL).addRoutes(to: routes)
        ReportMapFeed(reports: reports).addRoutes(to: routes)
        if let renderer { FieldReportsPages(reports: reports, renderer: renderer, capabilities: capabilities).addRoutes(to: routes) }
    }

    /// The demo city's field-report history: a few thousand past reports over Hue's wards and the last four months.
    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] {
        guard demo.includesHistory else { return [] }
        var reporters: [(id: String, name: String)] = []
        for username in ["citizen", "business"] {
            if let person = try await demo.principal(username) { reporters.append((person.accountID, person.displayName)) }
        }
        let started = Date()
        guard let summary = try await reports.seedDemoHistory(count: 2400, reporters: reporters, logger: demo.logger) else {
            return ["field reports: demo history already there"]
        }
        let states = summary.byState.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return ["field reports: \(summary.created) demo reports (\(states)) in \(Int(Date().timeIntervalSince(started))) s"]
    }

    public var backgroundWork: [BackgroundWork] {
        let reports = self.reports
        return [BackgroundWork("closing settled field reports", every: sweepInterval) { logger in
            let closed = try await reports.closeSettled(logger: logger)
            if closed > 0 { logger.info("closed settled field reports", metadata: ["count": "\(closed)"]) }
        }]
    }

    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public var navigation: [NavigationEntry] {
        [NavigationEntry(label: "nav_reports", path: "/reports", order: 40, access: .everyone),
         NavigationEntry(label: "nav_unit_reports", path: "/unit/reports", order: 75, access: .roles([.officer, .unitLeader])),
         NavigationEntry(label: "nav_ioc_reports", path: "/ioc/reports", order: 76, access: .roles([.iocOperator]))]
    }

    public var tasks: [MainTask] { [MainTask(label: "task_report", path: "/reports/new", icon: .report, order: 10, access: .signedIn)] }

    /// Reports made without signal are sent from whichever page is open when the connection returns.
    public var pageScripts: [String] { ["/static/report-queue.js"] }

    /// The public map page, list and Open311 reads; report events and the cases behind them change them (not the
    /// module's own bookkeeping under `field-reports.`: partner keys, staff reads of reporters, erasures).
    /// The event kinds that change what the public sees of reports.
    static let publicTopics = ["field-report", "workflow"]

    public var publicCaching: [CacheablePath] {
        let topics = Self.publicTopics
        let open311: Set<String> = ["jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "updated_after", "updated_before",
                                    "status", "page", "page_size", "extensions", "locale"]
        return [CacheablePath("/reports", parameters: ["category", "status", "page", "map"], changedBy: topics),
                CacheablePath("/api/v1/field-reports", parameters: ["category", "unit", "status", "page", "page_size"], changedBy: topics),
                CacheablePath("/api/v1/field-reports/figures", parameters: ["since"], changedBy: topics),
                CacheablePath("/open311/v2/requests.json", parameters: open311, changedBy: topics),
                CacheablePath("/open311/v2/requests.xml", parameters: open311, changedBy: topics),
                CacheablePath("/open311/v2/services.json", parameters: ["jurisdiction_id", "locale"], changedBy: topics),
                CacheablePath("/open311/v2/services.xml", parameters: ["jurisdiction_id", "locale"], changedBy: topics)]
    }

    public var events: [EventDeclaration] {
        [EventDeclaration("field-report.filed", payload: "category, channel, unit"), EventDeclaration("field-report.rated", payload: "stars"),
         EventDeclaration("field-reports.open311-client.created"), EventDeclaration("field-reports.open311-client.revoked"),
         EventDeclaration("field-reports.personal-data.erased", payload: "reports"), EventDeclaration("field-reports.reporter.read")]
    }

    public var indicators: [IndicatorDeclaration] { Self.indicators }
    public var liveFigures: [LiveFigure] { FieldReportsLiveFigures.all }

    /// Field reports stand in for Decision 766's citizen feedback (PAKN) in group 5; the performance module scores them.
    public static let indicators: [IndicatorDeclaration] = [
        IndicatorDeclaration(
            code: "766-5.2", name: ["vi": "Phản ánh, kiến nghị xử lý đúng hạn", "en": "Field reports handled on time"], measure: .share,
            events: ["workflow.started", "workflow.transitioned"],
            scoring: IndicatorScoring(group: 5, maxPoints: 6, caseKind: "field-report", rule: .onTime, explanation: [
                "vi": "(Phản ánh đã xử lý đúng hạn + phản ánh đang xử lý còn trong hạn) / phản ánh tiếp nhận trong kỳ; điểm = tỷ lệ × 6",
                "en": "(reports handled on time + reports still within their deadline) / reports received in the period; points = rate × 6"])),
        IndicatorDeclaration(
            code: "766-5.3", name: ["vi": "Hài lòng trong xử lý phản ánh, kiến nghị", "en": "Satisfaction with field-report handling"], measure: .share,
            events: ["workflow.started", "workflow.transitioned", "field-report.rated"],
            scoring: IndicatorScoring(group: 5, maxPoints: 6, caseKind: "field-report", rule: .satisfaction, explanation: [
                "vi": "(Tất cả − không hài lòng (1–2 sao) − quá hạn) / tất cả phản ánh tiếp nhận trong kỳ; điểm = tỷ lệ × 6",
                "en": "(all − rated 1–2 stars − overdue) / all reports received in the period; points = rate × 6"])),
        IndicatorDeclaration(code: "field-reports.open", name: ["vi": "Phản ánh đang mở", "en": "Open field reports"], measure: .count,
                             events: ["field-report.filed", "workflow.transitioned"]),
    ]

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement(WorkflowStore.self, required: true, reason: "every report is handled as a workflow case"),
         CapabilityRequirement((any NoticeBoard).self, required: false, reason: "reporters hear of the handling and the result")]
    }
}
