import Foundation
import Logging
import Platform

/// Results leave signed by the officer who issues them: PDFs get a PAdES signature from the officer's own certificate
/// (after a fresh sign-in), so the citizen downloads a document anyone can verify. Images are stored as they came;
/// the procedures' results are PDFs.
struct SignedResults: ResultSigning {
    let signing: SigningService

    func sign(_ document: Data, mediaType: String, subject: String, by officer: Principal) async throws -> Data {
        guard mediaType == "application/pdf" else { return document }
        try signing.requireFreshSignIn(officer)
        let signed = try await signing.signPDF(Array(document), name: subject, as: .officer(officer), logger: Logger(label: "hues.signatures"))
        return Data(signed)
    }
}
