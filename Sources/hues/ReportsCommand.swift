import App
import ArgumentParser
import FieldReports
import Foundation
import Platform

struct ReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "Field reports: Open311 API keys for integrating systems, and closing settled reports.",
        subcommands: [IssueKey.self, ListKeys.self, RevokeKey.self, Sweep.self]
    )

    static func module(_ runtime: HuesRuntime) throws -> FieldReportsModule {
        guard let module = runtime.module(FieldReportsModule.self) else {
            standardError("error: field reports are not part of this platform (the city profile has no field-reports.json)")
            throw ExitStatus.configuration
        }
        return module
    }

    struct IssueKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "open311-key", abstract: "Issue an Open311 api_key (printed once, stored hashed).")
        @Argument(help: "Who the key is for (an app, a hotline system, a partner).") var name: String

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                let issued = try await ReportsCommand.module(runtime).clients.create(name: name, by: "cli", logger: runtime.logger)
                say("client \(issued.client.id.uuidString.lowercased()) \(issued.client.name)")
                say("api_key \(issued.apiKey)")
                say("(shown once: store it now)")
            }
        }
    }

    struct ListKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "open311-keys", abstract: "List Open311 clients and their key prefixes.")

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                for client in try await ReportsCommand.module(runtime).clients.list(logger: runtime.logger) {
                    say("\(client.id.uuidString.lowercased())  \(client.keyPrefix)…  \(client.revokedAt == nil ? "active " : "revoked")  \(client.name)")
                }
            }
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke-key", abstract: "Revoke an Open311 client's key.")
        @Argument(help: "The client id (from open311-keys).") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else {
                standardError("error: '\(id)' is not a client id")
                throw ExitStatus.dataError
            }
            try await withRuntime(try loadConfiguration()) { runtime in
                let client = try await ReportsCommand.module(runtime).clients.revoke(uuid, by: "cli", logger: runtime.logger)
                say("revoked \(client.name)")
            }
        }
    }

    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close resolved reports whose reopen window has passed, once.")

        func run() async throws {
            try await withRuntime(try loadConfiguration()) { runtime in
                let closed = try await ReportsCommand.module(runtime).reports.closeSettled(logger: runtime.logger)
                say("closed \(closed) settled reports")
            }
        }
    }
}
