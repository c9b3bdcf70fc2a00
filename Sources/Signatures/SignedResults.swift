import Foundation
import Logging
import Platform

/// Results leave signed by the officer who issues them: PDFs get a PAdES signature from the officer's own certificate
/// (after a fresh sign-in), so the citizen downloads a document anyone can verify. Only PDFs are results: an image
/// cannot carry a signature, so it would leave as an unsigned "result".
struct SignedResults: ResultSigning {
    let signing: SigningService

    func sign(_ document: Data, mediaType: String, subject: String, by officer: Principal) async throws -> Data {
        try signing.requireFreshSignIn(officer)
        guard mediaType == "application/pdf" else {
            throw Problem.unprocessable([.init(field: "attachments", message: "a result is issued as a PDF, so that it carries the officer's signature")])
        }
        let signed = try await signing.signPDF(Array(document), name: subject, as: .officer(officer), logger: Logger(label: "hues.signatures"))
        return Data(signed)
    }
}
