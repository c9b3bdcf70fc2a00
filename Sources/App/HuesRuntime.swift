import FluentKit
import Foundation
import Catalog
import Identity
import Notices
import FieldReports
import Payments
import Logging
import Platform
import PublicServices
import Signatures
import Web
import Workflow

/// The platform assembled from its configuration: the city profile, the database, the secrets and the modules.
/// The CLI uses it for `migrate`, `demo` and `user …`; `buildApplication` puts an HTTP server in front of it.
public struct HuesRuntime: Sendable {
    public let configuration: HuesConfiguration
    public let profile: CityProfile
    public let database: PlatformDatabase
    public let secrets: SecretBox
    public let renderer: PageRenderer
    public let identity: IdentityModule
    public let catalog: CatalogModule
    public let notices: NoticesModule
    public let workflow: WorkflowModule
    public let publicServices: PublicServicesModule
    public let signatures: SignaturesModule
    public let payments: PaymentsModule
    /// Nil when the city profile has no `field-reports.json`.
    public let fieldReports: FieldReportsModule?
    /// Email delivery of notices (nil when no SMTP server is configured).
    public let noticeDelivery: NoticeDelivery?
    public let modules: [any PlatformModule]
    public let logger: Logger

    /// Every problem with the configuration, the profile and the master key, gathered before anything starts.
    public static func make(configuration: HuesConfiguration, logger: Logger = Logger(label: "hues")) async throws -> HuesRuntime {
        var problems: [ConfigProblem] = []
        var profile: CityProfile?
        var secrets: SecretBox?
        var workflow: WorkflowModule?
        do { profile = try CityProfile.load(path: configuration.cityProfilePath) } catch let error as ConfigurationError { problems += error.problems }
        do { secrets = try SecretBox.masterKey(configuration: configuration) } catch let error as ConfigurationError { problems += error.problems }
        if let profile {
            do { workflow = try WorkflowModule(profile: profile) } catch let error as ConfigurationError { problems += error.problems }
        }
        guard problems.isEmpty, let profile, let secrets, let workflow else { throw ConfigurationError(problems: problems) }

        let database = try PlatformDatabase(location: configuration.database)
        let renderer = try await PageRenderer()
        // In demo mode (or with HUES_DEMO_INTEGRATIONS=on) the demo national identity provider stands in for VNeID (no public specification of its
        // interface is available to build a real adapter against).
        let nationalIdentity: (any NationalIdentityProvider)? =
            configuration.demoIntegrations ? await MockNationalIdentityProvider(publicBaseURL: configuration.publicBaseURL) : nil
        let notices = try NoticesModule(database: database, configuration: configuration, renderer: renderer)
        let identity = IdentityModule(database: database, configuration: configuration, secrets: secrets, renderer: renderer,
                                      nationalIdentity: nationalIdentity, notices: notices.store)
        let catalog = CatalogModule(database: database, identity: identity, renderer: renderer)
        let signatures = SignaturesModule(database: database, secrets: secrets, profile: profile, publicBaseURL: configuration.publicBaseURL,
                                          staff: identity.accounts, renderer: renderer)
        let settlement = DossierFeeSettlement()
        let services = catalog.catalogue
        let payments = try PaymentsModule(database: database, profile: profile, configuration: configuration, secrets: secrets, renderer: renderer,
                                          settlement: settlement,
                                          registry: CatalogServiceRegistry { code, logger in try await services.find(code, logger: logger) != nil },
                                          accounts: identity.accounts)
        let publicServices = try PublicServicesModule(database: database, profile: profile, workflow: workflow.store, staff: identity.accounts,
                                                      notices: notices.store, renderer: renderer, resultSigner: SignedDossierResults(signing: signatures.signing),
                                                      feeDesk: DossierFeeInvoices(payments: payments.payments), publicBaseURL: configuration.publicBaseURL)
        settlement.attach(publicServices.dossiers)
        let fieldReports = try FieldReportsModule(database: database, profile: profile, workflow: workflow.store, notices: notices.store,
                                                  renderer: renderer, publicBaseURL: configuration.publicBaseURL)
        // The order is the order of migrations: a module comes after the modules whose tables it refers to.
        let modules: [any PlatformModule] = [PlatformKernelModule(database: database), notices, identity, catalog, workflow, publicServices, signatures,
                                                payments] + (fieldReports.map { [$0] } ?? [])
        return HuesRuntime(configuration: configuration, profile: profile, database: database, secrets: secrets, renderer: renderer,
                           identity: identity, catalog: catalog, notices: notices, workflow: workflow, publicServices: publicServices,
                           signatures: signatures, payments: payments, fieldReports: fieldReports,
                           noticeDelivery: notices.delivery(recipients: identity.accounts), modules: modules, logger: logger)
    }

    /// Creates or updates the tables, then brings reference data (the org tree) in line with the city profile.
    public func migrate() async throws {
        try await database.migrate(modules.flatMap(\.migrations), logger: logger)
        for module in modules { try await module.syncProfile(profile, database: database) }
        try await identity.tokens.prepare(logger: logger)
    }

    /// The escalation sweep over overdue cases, with the identity module naming the leaders to warn.
    public var escalation: EscalationSweep {
        EscalationSweep(database: database, store: workflow.store, staff: identity.accounts, notices: notices.store, profile: profile)
    }

    /// Loads the demo accounts (idempotent) and returns their logins.
    /// Tests leave the demo dossiers out so each starts from empty queues.
    public func seedDemo(includingDossiers: Bool = true) async throws -> [String] {
        var lines: [String] = []
        for module in modules { lines += try await module.seedDemo(database: database) }
        if includingDossiers {
            lines += try await DemoDossiers.seed(self)
            lines += try await DemoPayments.seed(self)
            lines += try await DemoFieldReports.seed(self)
        }
        return lines
    }
}
