import Foundation
import Hummingbird
import Identity
import Web
import Platform

/// The person's own data, every module's part in one download, and the platform's register of personal data.
struct PersonalDataRoutes: Sendable {
    let modules: [any PlatformModule]
    let accounts: AccountDirectory
    let renderer: PageRenderer?
    let secureCookies: Bool

    struct Download: Encodable, Sendable {
        var exportedAt: Date
        var accountID: String
        var modules: [String: AnyEncodable]
        /// What the law lets the platform keep even when erasure is asked for, and why.
        var kept: [RegisterEntry]
    }

    struct RegisterEntry: Codable, Sendable, Equatable {
        var module: String
        var field: PersonalDataField
    }

    /// What was erased and what is kept, in the reader's language.
    struct ErasureAnswer: Codable, Sendable {
        var erased: [String]
        var kept: [String]
    }

    func answer(_ report: ErasureReport, language: String) -> ErasureAnswer {
        func words(_ line: ErasureLine) -> String { line.text(from: renderer?.translations.text(line.key, language: language) ?? line.key) }
        return ErasureAnswer(erased: report.erased.map(words), kept: report.kept.map(words))
    }

    struct ErasureRequest: Decodable, Sendable {
        var confirm: Bool
        /// The account's password again: a relying party holding the person's token cannot erase the account.
        var password: String
    }

    struct AnyEncodable: Encodable, Sendable {
        let value: any Encodable & Sendable
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    /// Only a citizen's or business's own account, with its password again; every module's part first, the account last.
    func erase(_ principal: Principal, password: String, context: HuesRequestContext) async throws -> ErasureReport {
        // Staff (even one whose roles were taken away) are closed by an administrator.
        guard !principal.grants.isEmpty, principal.grants.allSatisfy({ [.citizen, .business].contains($0.role) }) else {
            throw Problem.forbidden("Staff accounts are closed by an administrator, who hands their work on first.")
        }
        do {
            _ = try await accounts.authenticate(username: principal.username, password: password, logger: context.logger)
        } catch is AccountDirectory.SignInError {
            throw Problem.forbidden("Enter your password to erase your account.")
        }
        let ordered = modules.filter { $0.name != "identity" } + modules.filter { $0.name == "identity" }
        var report = ErasureReport()
        for module in ordered {
            guard let source = module.personalDataSource else { continue }
            let part = try await source.erase(accountID: principal.accountID, logger: context.logger)
            report.erased += part.erased
            report.kept += part.kept
        }
        return report
    }

    var register: [RegisterEntry] { modules.flatMap { module in module.personalData.map { RegisterEntry(module: module.name, field: $0) } } }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/me/personal-data", access: .signedIn, summary: "Download my data: what every module keeps about me") { _, context in
            let principal = try context.requirePrincipal()
            var parts: [String: AnyEncodable] = [:]
            for module in modules {
                guard let source = module.personalDataSource else { continue }
                parts[module.name] = AnyEncodable(value: try await source.personalData(of: principal, logger: context.logger))
            }
            context.logger.notice("personal data downloaded", metadata: ["account": .string(principal.accountID)])
            let kept = register.filter { [.publicDuty, .legalObligation].contains($0.field.basis) }
            var headers = HTTPFields()
            headers[.contentDisposition] = "attachment; filename=\"hues-my-data.json\""
            headers[.cacheControl] = "no-store"
            return JSONResponse(Download(exportedAt: Date(), accountID: principal.accountID, modules: parts, kept: kept), headers: headers)
        }
        routes.on(.post, "/api/v1/me/erasure", access: .signedIn,
                  summary: "Erase my account and what the law lets go ({\"confirm\": true, \"password\": …}); says what was kept and why") { request, context in
            var request = request
            let asked = try await request.decodeJSON(as: ErasureRequest.self, context: context)
            guard asked.confirm else {
                throw Problem.validation([.init(field: "confirm", message: "must be true: erasing an account cannot be undone")])
            }
            return JSONResponse(answer(try await erase(try context.requirePrincipal(), password: asked.password, context: context), language: context.language))
        }
        if let renderer {
            routes.on(.post, "/account/erase", access: .signedIn, kind: .page, summary: "Erase my account (the account page's form)") { request, context in
                var request = request
                let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
                guard form["confirm"] == "yes" else {
                    throw Problem.validation([.init(field: "confirm", message: "tick the box: erasing an account cannot be undone")])
                }
                let report = answer(try await erase(try context.requirePrincipal(), password: form["password"] ?? "", context: context), language: context.language)
                var response = try renderer.page("erased", title: "erased_title", context: context, values: ["erased": report.erased, "kept": report.kept])
                // The session ended with the account; the browser forgets its cookie too.
                response.setCookie(Cookie(name: WebSessions.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true,
                                          sameSite: .lax))
                return response
            }
        }
        routes.on(.get, "/api/v1/admin/personal-data/register", access: .roles([.admin]),
                  summary: "The register of personal data: every field, its kind, purpose, lawful basis and retention") { _, _ in
            JSONResponse(register)
        }
    }
}
