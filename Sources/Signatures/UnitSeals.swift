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

/// One seal issued at a time in this process, so two first reports at once do not give a unit two seals.
private actor SealIssuing {
    static let shared = SealIssuing()

    func ensure(_ unit: CityProfile.Unit, authority: CertificateAuthority, logger: Logger) async throws {
        let held = try await authority.list(holderKind: "unit", holderID: unit.code, logger: logger)
        guard !held.contains(where: { $0.status == .valid }) else { return }
        // A revoked seal (its key leaked, say) is replaced by an admin who knows why, never by whoever asks next.
        if held.contains(where: { $0.status == .revoked }) {
            throw Problem(status: .forbidden, type: "cannot-sign", title: "This unit's seal was revoked",
                          detail: "The unit's seal was revoked; an admin issues a new one (hues ca issue --unit \(unit.code)).")
        }
        _ = try await authority.issue(to: .unit(code: unit.code), actorName: "platform", logger: logger)
    }
}

extension CertificateAuthority {
    /// Issues the unit's seal when it never held one or its seal expired; a revoked seal is an admin's to replace.
    func ensureSeal(of unit: CityProfile.Unit, logger: Logger) async throws {
        try await SealIssuing.shared.ensure(unit, authority: self, logger: logger)
    }
}
