import App
import ArgumentParser
import Foundation
import Hummingbird
import Platform

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP server (migrates the database first).",
        discussion: "With --demo the demo city (Hue) and one account per role are loaded, and their logins printed."
    )

    @Option(help: "Address to listen on (overrides HUES_HOST).") var host: String?
    @Option(help: "Port to listen on (overrides HUES_PORT).") var port: Int?
    @Flag(help: "Load the demo city and demo accounts before serving.") var demo = false

    func run() async throws {
        var overrides: [String: String] = [:]
        if let host { overrides["HUES_HOST"] = host }
        if let port { overrides["HUES_PORT"] = String(port) }
        if demo, ProcessInfo.processInfo.environment["HUES_MODE"] == nil { overrides["HUES_MODE"] = RunMode.demo.rawValue }
        let configuration = try loadConfiguration(overrides: overrides)
        if demo, configuration.mode == .production {
            standardError("error: --demo loads accounts with public passwords and is refused in production mode")
            throw ExitStatus.configuration
        }
        let runtime = try await prepareRuntime(configuration)
        do {
            try await runtime.prepareToServe()
        } catch {
            await runtime.database.shutdown()
            throw error
        }
        if demo {
            let logins = try await runtime.seedDemo()
            say("Demo city: \(runtime.profile.city.name), \(runtime.profile.units.count) units. Demo logins (username password role):")
            for line in logins { say("  \(line)") }
        }
        let listening = "http://\(configuration.host):\(configuration.port)"
        if configuration.logFormat == .json {
            // A log collector reading JSON lines chokes on a line of prose: say it as a log entry.
            runtime.logger.notice("HueS listening", metadata: ["address": "\(listening)", "publicURL": "\(configuration.publicBaseURL)",
                                                              "database": "\(configuration.database)"])
        } else {
            say("HueS listening on \(listening) (public URL \(configuration.publicBaseURL), database \(configuration.database))")
        }
        let app = try await buildApplication(runtime: runtime)
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database tables and sync the city profile.")

    func run() async throws {
        let configuration = try loadConfiguration()
        try await withRuntime(configuration) { runtime in
            say("database \(configuration.database) is up to date; city profile '\(runtime.profile.city.code)' synced")
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load the demo city and demo accounts, and print their logins.")

    func run() async throws {
        let configuration = try loadConfiguration()
        guard configuration.mode != .production else {
            standardError("error: demo accounts have public passwords; refused in production mode")
            throw ExitStatus.configuration
        }
        try await withRuntime(configuration) { runtime in
            let logins = try await runtime.seedDemo()
            say("Demo city: \(runtime.profile.city.name) (\(runtime.profile.units.count) units)")
            say("username   password             role")
            for line in logins { say(line) }
        }
    }
}
