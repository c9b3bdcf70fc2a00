import Foundation
import Hummingbird
import Platform

/// The person's own data, every module's part in one download, and the platform's register of personal data.
struct PersonalDataRoutes: Sendable {
    let modules: [any PlatformModule]

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

    struct AnyEncodable: Encodable, Sendable {
        let value: any Encodable & Sendable
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
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
        routes.on(.get, "/api/v1/admin/personal-data/register", access: .roles([.admin]),
                  summary: "The register of personal data: every field, its kind, purpose, lawful basis and retention") { _, _ in
            JSONResponse(register)
        }
    }
}
