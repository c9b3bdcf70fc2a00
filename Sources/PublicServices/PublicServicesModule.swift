import FluentKit
import Foundation
import Logging
import Platform
import Web
import Workflow

/// Online public services: the versioned procedure catalogue, dossiers and the one-stop work on them.
public struct PublicServicesModule: PlatformModule {
    public let catalogue: ProcedureCatalogue
    public let dossiers: DossierService
    let book: ProcedureBook
    let renderer: PageRenderer?
    let publicBaseURL: String

    public init(database: PlatformDatabase, profile: CityProfile, workflow: WorkflowStore, staff: any StaffDirectory, notices: (any NoticeBoard)?,
                renderer: PageRenderer?, resultSigner: (any DossierResultSigner)? = nil, feeDesk: (any DossierFeeDesk)? = nil,
                publicBaseURL: String = "http://localhost:8080") throws {
        self.publicBaseURL = publicBaseURL
        self.book = try ProcedureBook(profile: profile, processes: Set(workflow.library.processes.keys))
        self.catalogue = ProcedureCatalogue(database: database)
        self.dossiers = DossierService(database: database, catalogue: catalogue, workflow: workflow, profile: profile, staff: staff,
                                       notices: notices, resultSigner: resultSigner, feeDesk: feeDesk)
        self.renderer = renderer
    }

    public var name: String { "public-services" }
    public var migrations: [any Migration] { [CreatePublicServicesTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        PublicServicesRoutes(catalogue: catalogue, dossiers: dossiers, publicBaseURL: publicBaseURL).addRoutes(to: routes)
        if let renderer { PublicServicesPages(catalogue: catalogue, dossiers: dossiers, renderer: renderer).addRoutes(to: routes) }
    }

    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {
        try await catalogue.sync(book, logger: Logger(label: "hues.public-services"))
    }
}
