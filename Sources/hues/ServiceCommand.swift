import App
import ArgumentParser
import Catalog
import Foundation
import Identity
import Platform

struct ServiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Manage the catalogue of integrated city services and their sign-in clients.",
        subcommands: [List.self, Register.self, Edit.self, RotateSecret.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List services (code, category, status, audience, client, name).")
        @Option(help: "Only services whose name contains this.") var search: String?

        func run() async throws {
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                let admin = Principal(accountID: "cli", username: "cli", displayName: "cli", grants: [RoleGrant(role: .admin)], credential: .accessToken)
                for service in try await (try runtime.require(CatalogModule.self)).catalogue.list(for: admin, search: search, logger: runtime.logger) {
                    say("\(service.code)\t\(service.category.rawValue)\t\(service.status.rawValue)\t\(service.audience.rawValue)\t\(service.clientID ?? "-")\t\(service.name)")
                }
            }
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a service with an OpenID Connect client; prints the client secret once.")

        @Option(help: "Stable code, also the client id (a-z, 0-9, '-').") var code: String
        @Option(help: "Name in Vietnamese.") var name: String
        @Option(help: "Name in English.") var nameEn: String?
        @Option(help: "Category: \(CityService.Category.allCases.map(\.rawValue).joined(separator: ", ")).") var category: String
        @Option(help: "Code of the owning unit in the org tree.") var unit: String
        @Option(help: "Where the service starts (https URL).") var launchURL: String
        @Option(help: "everyone, citizens, businesses or staff.") var audience: String = "everyone"
        @Option(help: "confidential (server-side, has a secret) or public (app, PKCE).") var clientType: String = "confidential"
        @Option(name: .customLong("redirect-uri"), help: "Exact redirect URI (repeatable).") var redirectURIs: [String] = []
        @Option(name: .customLong("post-logout-uri"), help: "Exact post-logout redirect URI (repeatable).") var postLogoutURIs: [String] = []
        @Option(help: "Minimum assurance (acr) the service requires.") var minimumAcr: String?

        func run() async throws {
            guard let category = CityService.Category(rawValue: category) else { throw ValidationError("unknown category '\(category)'") }
            guard let audience = CityService.Audience(rawValue: audience) else { throw ValidationError("unknown audience '\(audience)'") }
            guard let type = OAuthClient.ClientType(rawValue: clientType) else { throw ValidationError("client type is confidential or public") }
            let client = redirectURIs.isEmpty ? nil : NewCityService.Client(type: type, redirectURIs: redirectURIs, postLogoutRedirectURIs: postLogoutURIs,
                                                                            scopes: nil, minimumACR: minimumAcr)
            let request = NewCityService(code: code, name: name, nameEn: nameEn, description: nil, category: category, ownerUnit: unit, icon: nil,
                                         launchURL: launchURL, audience: audience, status: .active, client: client)
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                do {
                    let registered = try await (try runtime.require(CatalogModule.self)).catalogue.register(request, by: nil, actor: .commandLine(), logger: runtime.logger)
                    say("registered \(registered.service.code)")
                    if let id = registered.clientID { say("client_id     \(id)") }
                    if let secret = registered.clientSecret { say("client_secret \(secret)   (shown once; store it now)") }
                } catch let problem as Problem {
                    throw UserCommand.report(problem)
                }
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a service's name, launch URL, audience or status.")

        @Argument(help: "The service code.") var code: String
        @Option(help: "Name in Vietnamese.") var name: String?
        @Option(help: "Name in English.") var nameEn: String?
        @Option(help: "Where the service starts (https URL).") var launchURL: String?
        @Option(help: "everyone, citizens, businesses or staff.") var audience: String?
        @Option(help: "active, maintenance or retired (retired also disables its sign-in client).") var status: String?

        func run() async throws {
            var newAudience: CityService.Audience?
            if let audience {
                guard let parsed = CityService.Audience(rawValue: audience) else { throw ValidationError("unknown audience '\(audience)'") }
                newAudience = parsed
            }
            var newStatus: CityService.Status?
            if let status {
                guard let parsed = CityService.Status(rawValue: status) else { throw ValidationError("unknown status '\(status)'") }
                newStatus = parsed
            }
            let changes = ServiceChanges(name: name, nameEn: nameEn, launchURL: launchURL, audience: newAudience, status: newStatus)
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                let admin = Principal(accountID: "cli", username: Actor.commandLine().name, displayName: "cli", grants: [RoleGrant(role: .admin)],
                                      credential: .accessToken)
                do {
                    let service = try await (try runtime.require(CatalogModule.self)).catalogue.update(code, with: changes, by: admin, logger: runtime.logger)
                    say("updated \(service.code)\t\(service.status.rawValue)\t\(service.audience.rawValue)\t\(service.name)")
                } catch let problem as Problem {
                    throw UserCommand.report(problem)
                }
            }
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate-secret", abstract: "Replace a service's client secret; prints it once.")
        @Argument(help: "The service code.") var code: String

        func run() async throws {
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                let secret = try await (try runtime.require(CatalogModule.self)).catalogue.rotateSecret(of: code, by: nil, actor: .commandLine(), logger: runtime.logger)
                say("client_secret \(secret)   (shown once; the old secret no longer works)")
            }
        }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Token signing keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start signing tokens with a new key. The old key stays in the JWKS until its tokens have expired.")

        func run() async throws {
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                let kid = try await runtime.identity.tokens.rotate(by: .commandLine(), logger: runtime.logger)
                say("now signing with key \(kid)")
            }
        }
    }
}
