import Foundation
import Logging
import Platform

/// Signs the event log's checkpoints with the seal of the city's security unit (the province's when the profile
/// names none), issued by the city's CA on first need. A checkpoint is a detached CMS signature, so anyone can check
/// it with `openssl cms -verify` against the city's root, which they keep apart from the database.
struct AuditCheckpointSigner: CheckpointSigning {
    let signing: SigningService
    let authority: CertificateAuthority
    let unit: CityProfile.Unit

    init?(signing: SigningService, authority: CertificateAuthority, profile: CityProfile) {
        let code = profile.city.securityUnit ?? profile.units.first(where: { $0.kind == .province })?.code
        guard let unit = profile.units.first(where: { $0.code == code }) else { return nil }
        self.signing = signing
        self.authority = authority
        self.unit = unit
    }

    func sign(checkpoint statement: Data, logger: Logger) async throws -> Data {
        try await authority.ensureSeal(of: unit, logger: logger)
        let signature = try await signing.signDetached(Array(statement), name: "audit-checkpoint", as: .unit(unit.code, name: unit.name), logger: logger)
        return Data(signature)
    }
}
