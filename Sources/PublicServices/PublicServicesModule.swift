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
        [EventDeclaration("public-services.procedure.published", payload: "code, version"),
         EventDeclaration("public-services.dossier.filed", payload: "procedure, channel, receivingUnit"),
         EventDeclaration("public-services.dossier.rated", payload: "score"),
         EventDeclaration("public-services.fee.unmatched", payload: "invoice, reason"),
         EventDeclaration("public-services.dossier.personal-data-read", payload: "subjects"), EventDeclaration("public-services.personal-data.erased", payload: "comments")]
    }

    /// Decision 766 figures from dossiers (groups 2 and 3); the performance module scores them by the official rule.
    public var indicators: [IndicatorDeclaration] {
        [IndicatorDeclaration(code: "766-2.1", name: ["vi": "Hồ sơ giải quyết đúng hạn", "en": "Dossiers processed on time"], measure: .share,
                              events: ["workflow.started", "workflow.transitioned"]),
         IndicatorDeclaration(code: "766-3.3", name: ["vi": "Tỷ lệ hồ sơ nộp trực tuyến", "en": "Dossiers filed online"], measure: .share,
                              events: ["workflow.started"], target: 0.5),
         IndicatorDeclaration(code: "766-5.1", name: ["vi": "Mức độ hài lòng", "en": "Satisfaction with dossier handling"], measure: .average,
                              events: ["public-services.dossier.rated"])]
    }

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
