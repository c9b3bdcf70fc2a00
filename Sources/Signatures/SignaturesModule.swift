import FluentKit
import Foundation
import Logging
import Platform
import Web

/// Digital signatures: the city's CA, signing with officers' and units' certificates, public verification.
public struct SignaturesModule: PlatformModule {
    public let authority: CertificateAuthority
    public let signing: SigningService
    let staff: any StaffDirectory
    let renderer: PageRenderer?

    /// Asks identity for the staff directory (certificates are issued to officers); provides result signing.
    public init(context: ModuleContext, renderer: PageRenderer?) throws {
        authority = CertificateAuthority(database: context.database, secrets: context.secrets, profile: context.profile,
                                         publicBaseURL: context.configuration.publicBaseURL)
        signing = SigningService(authority: authority, database: context.database)
        self.staff = try context.capabilities.require((any StaffDirectory).self, for: "signatures")
        self.renderer = renderer
        context.capabilities.provide((any ResultSigning).self, SignedResults(signing: signing), by: "signatures")
        context.capabilities.provide((any UnitSealing).self, UnitSeals(signing: signing, authority: authority, profile: context.profile), by: "signatures")
        if let checkpoints = AuditCheckpointSigner(signing: signing, authority: authority, profile: context.profile) {
            context.capabilities.provide((any CheckpointSigning).self, checkpoints, by: "signatures")
        }
    }

    public var healthChecks: [HealthCheck] {
        let authority = self.authority
        return [HealthCheck("certificates") { now, logger in
            let certificates = try await authority.list(logger: logger).filter { $0.revokedAt == nil && $0.notAfter > now }
            let authorities = certificates.filter { $0.holderKind == "authority" }
            // An authority that expires takes every signature under it with it: warn early, fail late.
            if let soonest = authorities.min(by: { $0.notAfter < $1.notAfter }), soonest.notAfter < now.addingTimeInterval(90 * 86_400) {
                let days = Int(soonest.notAfter.timeIntervalSince(now) / 86_400)
                return HealthFinding(days < 14 ? .failure : .warning, "the authority certificate \(soonest.commonName) expires in \(days) days")
            }
            let expiring = certificates.filter { $0.holderKind != "authority" && $0.notAfter < now.addingTimeInterval(30 * 86_400) }
            guard !expiring.isEmpty else {
                return HealthFinding(.ok, "\(authorities.count) authorities and \(certificates.count - authorities.count) signing certificates valid for 30 days or more")
            }
            return HealthFinding(.warning, "\(expiring.count) signing certificates expire within 30 days (renew them): "
                + expiring.prefix(5).map { "\($0.commonName) (\($0.serial))" }.joined(separator: ", "))
        }]
    }

    public var name: String { "signatures" }

    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "ca_certificates", columns: ["common_name", "holder_id", "unit_code"], category: "name and office",
                           purpose: "signing certificates that prove which officer signed a result", basis: .legalObligation,
                           retention: "as long as documents signed with the certificate must be verifiable")]
    }
    public var migrations: [any Migration] { [CreateSignaturesTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        SignaturesRoutes(signing: signing, staff: staff).addRoutes(to: routes)
        if let renderer {
            SignaturesPages(signing: signing, renderer: renderer, secureCookies: authority.publicBaseURL.hasPrefix("https://")).addRoutes(to: routes)
        }
    }

    /// The demo city gets its CA, and the demo officers and leaders get signing certificates, so documents can be
    /// signed out of the box. Idempotent: a holder with a valid certificate gets no second one.
    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] {
        let logger = demo.logger
        let root = try await authority.initialize(actorName: "demo-seed", logger: logger)
        var issued = 0
        for username in ["officer", "leader", "counter", "finance"] {
            guard let person = try await staff.profile(username: username, logger: logger),
                  let unit = person.grants.staffUnits.first else { continue }
            let existing = try await authority.list(holderKind: "officer", holderID: person.accountID, logger: logger)
            if existing.contains(where: { $0.status == .valid }) { continue }
            _ = try await authority.issue(to: .officer(accountID: person.accountID, name: person.name, unitCode: unit), actorName: "demo-seed", logger: logger)
            issued += 1
        }
        return ["signatures: CA root \(root); \(issued) new officer certificates (officer, leader, counter, finance)"]
    }

    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public var navigation: [NavigationEntry] { [NavigationEntry(label: "nav_verify", path: "/verify", order: 30, access: .everyone)] }

    public var events: [EventDeclaration] {
        [EventDeclaration("signatures.certificate.issued", payload: "serial, holder"),
         EventDeclaration("signatures.certificate.revoked", payload: "serial, reason"), EventDeclaration("signatures.document.signed", payload: "name, digest")]
    }

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement((any StaffDirectory).self, required: true, reason: "certificates are issued to officers of units")]
    }
}
