import Foundation
import Hummingbird
import Platform
import Web

/// The public verification page: anyone uploads a signed document and reads who signed it and whether it holds.
struct SignaturesPages: Sendable {
    let signing: SigningService
    let renderer: PageRenderer
    let secureCookies: Bool

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/verify", access: .everyone, kind: .page, summary: "Verify a signed document", use: form)
        routes.on(.post, "/verify", access: .everyone, kind: .page, summary: "Verify a signed document (upload)", use: check)
    }

    @Sendable func form(_ request: Request, context: HuesRequestContext) async throws -> Response {
        try page(request, context: context, values: [:])
    }

    /// Anyone may verify, signed in or not; before there is a session the form carries a double-submit CSRF cookie.
    func page(_ request: Request, context: HuesRequestContext, values: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        guard context.principal == nil else { return try renderer.page("verify", title: "verify_title", context: context, values: values, status: status) }
        let csrf = request.cookies[SecuredRouter.csrfCookie]?.value ?? TokenGenerator.make(bytes: 24)
        var response = try renderer.page("verify", title: "verify_title", context: context, values: values, csrfToken: csrf, status: status)
        response.setCookie(Cookie(name: SecuredRouter.csrfCookie, value: csrf, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    @Sendable func check(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let form = try await SignaturesRoutes.multipart(request, context: context)
        guard let document = form.parts.first(where: { $0.name == "document" && !$0.data.isEmpty }) else {
            return try page(request, context: context,
                                     values: ["report": ["verdictText": renderer.translations.text("verdict_malformed", language: context.language),
                                                         "verdict": "malformed", "reasons": ["—"], "intact": "—", "chainText": "—"]],
                                     status: .badRequest)
        }
        let signature = form.parts.first { $0.name == "signature" && !$0.data.isEmpty }
        let report = try await signing.verifyDocument(Array(document.data), signature: signature.map { Array($0.data) }, logger: context.logger)
        return try page(request, context: context, values: ["report": values(report, language: context.language)])
    }

    func values(_ report: SignatureReport, language: String) -> [String: Any] {
        let words = renderer.translations
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = renderer.clock.timeZone
        var values: [String: Any] = [
            "verdict": report.verdict.rawValue,
            "verdictText": words.text("verdict_\(report.verdict.rawValue)", language: language),
            "reasons": report.reasons,
            "intact": words.text(report.documentIntact ? "verify_yes" : "verify_no", language: language),
            "chainText": report.chainValid ? "\(words.text("verify_chain_ok", language: language)): \(report.chain.joined(separator: " → "))"
                : words.text("verify_chain_bad", language: language),
        ]
        if let signer = report.signer {
            var signerValues: [String: Any] = ["commonName": signer.commonName, "serialNumber": signer.serialNumber, "issuer": signer.issuer]
            if let unit = signer.organizationalUnit { signerValues["organizationalUnit"] = unit }
            values["signer"] = signerValues
        }
        if let time = report.signingTime { values["signingTime"] = formatter.string(from: time) }
        if let revoked = report.revokedAt { values["revokedAt"] = formatter.string(from: revoked) }
        return values
    }
}
