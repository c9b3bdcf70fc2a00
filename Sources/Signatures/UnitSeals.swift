import Foundation
import Logging
import Platform

/// Seals the documents a unit issues (monthly performance reports) with the unit's certificate, as a PAdES
/// signature in the PDF. The unit's seal is issued by the city's CA on first need.
struct UnitSeals: UnitSealing {
    let signing: SigningService
    let authority: CertificateAuthority
    let profile: CityProfile

    func seal(pdf: Data, unit code: String, document: String, logger: Logger) async throws -> Data {
        guard let unit = profile.units.first(where: { $0.code == code }) else { throw Problem.notFound("No such unit.") }
        try await authority.ensureSeal(of: unit, logger: logger)
        return Data(try await signing.signPDF(Array(pdf), name: document, as: .unit(unit.code, name: unit.name), logger: logger))
    }
}

extension CertificateAuthority {
    /// Issues the unit's seal unless it holds a valid one.
    func ensureSeal(of unit: CityProfile.Unit, logger: Logger) async throws {
        let held = try await list(holderKind: "unit", holderID: unit.code, logger: logger)
        if !held.contains(where: { $0.status == .valid }) {
            _ = try await issue(to: .unit(code: unit.code), actorName: "platform", logger: logger)
        }
    }
}
