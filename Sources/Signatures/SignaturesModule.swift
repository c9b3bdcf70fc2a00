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

    public init(database: PlatformDatabase, secrets: SecretBox, profile: CityProfile, publicBaseURL: String, staff: any StaffDirectory,
                renderer: PageRenderer?) {
        authority = CertificateAuthority(database: database, secrets: secrets, profile: profile, publicBaseURL: publicBaseURL)
        signing = SigningService(authority: authority, database: database)
        self.staff = staff
        self.renderer = renderer
    }

    public var name: String { "signatures" }
    public var migrations: [any Migration] { [CreateSignaturesTables()] }

    public func addRoutes(to routes: SecuredRouter) {
        SignaturesRoutes(signing: signing, staff: staff).addRoutes(to: routes)
        if let renderer {
            SignaturesPages(signing: signing, renderer: renderer, secureCookies: authority.publicBaseURL.hasPrefix("https://")).addRoutes(to: routes)
        }
    }

    /// The demo city gets its CA, and the demo officers and leaders get signing certificates, so documents can be
    /// signed out of the box. Idempotent: a holder with a valid certificate gets no second one.
    public func seedDemo(database: PlatformDatabase) async throws -> [String] {
        let logger = Logger(label: "hues.signatures")
        let root = try await authority.initialize(actorName: "demo-seed", logger: logger)
        var issued = 0
        for username in ["officer", "leader", "counter", "finance"] {
            guard let person = try await staff.profile(username: username, logger: logger),
                  let unit = person.grants.first(where: { $0.role == .officer || $0.role == .unitLeader })?.unitCode else { continue }
            let existing = try await authority.list(holderKind: "officer", holderID: person.accountID, logger: logger)
            if existing.contains(where: { $0.status == .valid }) { continue }
            _ = try await authority.issue(to: .officer(accountID: person.accountID, name: person.name, unitCode: unit), actorName: "demo-seed", logger: logger)
            issued += 1
        }
        return ["signatures: CA root \(root); \(issued) new officer certificates (officer, leader, counter, finance)"]
    }
}
