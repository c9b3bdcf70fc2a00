import FluentKit
import Foundation
import Logging
import Platform
import Web
import Workflow

/// Online public services: the versioned procedure catalogue, dossiers and the one-stop work on them.
///
/// Asks for the workflow store, the staff directory and the notice board; asks, when it needs them, for result
/// signing (signatures) and fee invoicing (payments); provides the fee settlement that moves a dossier on once its
/// fee is paid.
public struct PublicServicesModule: PlatformModule {
    public let catalogue: ProcedureCatalogue
    public let dossiers: DossierService
    let book: ProcedureBook
    let renderer: PageRenderer?
    let publicBaseURL: String
    let calendar: WorkCalendar

    public init(context: ModuleContext, renderer: PageRenderer?) throws {
        let workflow = try context.capabilities.require(WorkflowStore.self, for: "public-services")
        let staff = try context.capabilities.require((any StaffDirectory).self, for: "public-services")
        self.publicBaseURL = context.configuration.publicBaseURL
        self.calendar = context.profile.calendar
        self.book = try ProcedureBook(profile: context.profile, processes: Set(workflow.library.processes.keys))
        let problems = Set(book.procedures.map(\.process)).sorted().compactMap { workflow.library[$0] }.flatMap(NationalStatus.problems)
        guard problems.isEmpty else { throw ConfigurationError(problems: problems.map { ConfigProblem(key: "processes.json", message: $0) }) }
        self.catalogue = ProcedureCatalogue(database: context.database)
        self.dossiers = DossierService(database: context.database, catalogue: catalogue, workflow: workflow, profile: context.profile, staff: staff,
                                       notices: context.capabilities.first((any NoticeBoard).self), capabilities: context.capabilities)
        self.renderer = renderer
        context.capabilities.provide((any FeeSettlement).self, DossierFeeSettlement(dossiers: dossiers), by: "public-services")
    }

    public var name: String { "public-services" }
    public var migrations: [any Migration] { [CreatePublicServicesTables()] }
    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public func addRoutes(to routes: SecuredRouter) {
        PublicServicesRoutes(catalogue: catalogue, dossiers: dossiers, publicBaseURL: publicBaseURL).addRoutes(to: routes)
        if let renderer { PublicServicesPages(catalogue: catalogue, dossiers: dossiers, renderer: renderer).addRoutes(to: routes) }
    }

    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {
        try await catalogue.sync(book, logger: Logger(label: "hues.public-services"))
    }

    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] {
        guard demo.includesHistory else { return [] }
        return try await DemoDossiers.seed(dossiers, calendar: calendar, demo: demo)
    }

    public var navigation: [NavigationEntry] {
        [NavigationEntry(label: "nav_procedures", path: "/procedures", order: 20, access: .everyone),
         NavigationEntry(label: "nav_dossiers", path: "/dossiers", order: 60, access: .signedIn),
         NavigationEntry(label: "nav_officer", path: "/officer/dossiers", order: 70, access: .roles([.officer, .unitLeader]))]
    }

    /// The procedure catalogue, page and API: only a new procedure version changes it.
    public var publicCaching: [CacheablePath] {
        ["/procedures", "/api/v1/procedures"].map { CacheablePath($0, parameters: ["q", "sector"], changedBy: ["public-services.procedure"]) }
    }

    public var tasks: [MainTask] {
        [MainTask(label: "task_dossiers", path: "/dossiers", icon: .dossiers, order: 20, access: .signedIn)]
    }

    public var events: [EventDeclaration] {
        [EventDeclaration("public-services.procedure.published", payload: "version, online (full or partial)"),
         EventDeclaration("public-services.dossier.filed", payload: "procedure, channel, receivingUnit"),
         EventDeclaration("public-services.dossier.rated", payload: "score"),
         EventDeclaration("public-services.fee.unmatched", payload: "invoice, reason"),
         EventDeclaration("public-services.dossier.personal-data-read", payload: "subjects"), EventDeclaration("public-services.personal-data.erased", payload: "comments")]
    }

    /// Decision 766 figures from dossiers; the performance module scores them by the official rule.
    public var indicators: [IndicatorDeclaration] { Self.indicators }
    public var liveFigures: [LiveFigure] { PublicServicesLiveFigures.all }

    /// Maximum points from the national portal's formula document; the groups whose data lives outside the platform
    /// (publication of procedures, digitisation) are declared so the scorecard shows them as unknown, not zero.
    public static let indicators: [IndicatorDeclaration] = [
        IndicatorDeclaration(
            code: "766-1", name: ["vi": "Công khai, minh bạch TTHC (công bố, cập nhật, đủ nội dung, đồng bộ)",
                                  "en": "Transparency of procedures (publication, updates, completeness, sync)"],
            measure: .share, events: [], scoring: .outside(group: 1, maxPoints: 18)),
        IndicatorDeclaration(
            code: "766-2.1", name: ["vi": "Hồ sơ xử lý trước hạn, đúng hạn", "en": "Dossiers processed on time"], measure: .share,
            events: ["workflow.started", "workflow.transitioned"],
            scoring: IndicatorScoring(group: 2, maxPoints: 20, caseKind: "dossier", rule: .onTime, explanation: [
                "vi": "(Hồ sơ đã giải quyết đúng hạn + hồ sơ đang giải quyết còn trong hạn) / hồ sơ tiếp nhận trong kỳ; điểm = tỷ lệ × 20",
                "en": "(dossiers finished on time + dossiers still within their deadline) / dossiers received in the period; points = rate × 20"])),
        IndicatorDeclaration(
            code: "766-3", name: ["vi": "Hồ sơ nộp trực tuyến", "en": "Dossiers filed online"], measure: .share,
            events: ["workflow.started", "public-services.dossier.filed"], target: 0.5,
            scoring: IndicatorScoring(group: 3, maxPoints: 12, caseKind: "dossier", rule: .filedOnline, explanation: [
                "vi": "Hồ sơ nộp trực tuyến / hồ sơ tiếp nhận trong kỳ; đạt từ 50% được đủ 12 điểm, dưới đó điểm = tỷ lệ / 50% × 12",
                "en": "Dossiers filed online / dossiers received in the period; 50 % or more earns all 12 points, below that rate / 50 % × 12"])),
        IndicatorDeclaration(
            code: "766-4", name: ["vi": "Số hóa hồ sơ, kết quả điện tử, tái sử dụng dữ liệu", "en": "Digitisation, electronic results, reuse of data"],
            measure: .share, events: [], scoring: .outside(group: 4, maxPoints: 22)),
        IndicatorDeclaration(
            code: "766-5.4", name: ["vi": "Hài lòng trong tiếp nhận, giải quyết TTHC", "en": "Satisfaction with dossier handling"], measure: .share,
            events: ["workflow.started", "workflow.transitioned", "public-services.dossier.rated"], target: 0.9,
            scoring: IndicatorScoring(group: 5, maxPoints: 6, caseKind: "dossier", rule: .satisfaction, explanation: [
                "vi": "100% − (% hồ sơ quá hạn + % hồ sơ bị đánh giá 1–2 sao); đạt từ 90% được đủ 6 điểm",
                "en": "100 % − (% overdue + % rated 1–2 stars); 90 % or more earns all 6 points"])),
    ]

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement(WorkflowStore.self, required: true, reason: "every dossier is a workflow case"),
         CapabilityRequirement((any StaffDirectory).self, required: true, reason: "officers to assign and leaders to approve"),
         CapabilityRequirement((any NoticeBoard).self, required: false, reason: "applicants hear of each step"),
         CapabilityRequirement((any ResultSigning).self, required: false, reason: "results leave signed by the issuing officer"),
         CapabilityRequirement((any FeeInvoicing).self, required: false, reason: "fees are invoiced and paid online")]
    }
}

/// Moves a dossier on when its fee is paid, in the payment's own transaction.
struct DossierFeeSettlement: FeeSettlement {
    let dossiers: DossierService

    func feePaid(_ fee: SettledFee, on db: any Database) async throws {
        try await dossiers.feePaid(dossierCode: fee.dossierCode, invoiceReference: fee.invoiceReference, on: db)
    }
}
