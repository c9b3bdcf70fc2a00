import App
import ArgumentParser
import Foundation
import Platform

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the event log's hash chain and name the first broken link.",
            discussion: "Exits 0 when the chain is intact and 65 when an entry was altered, removed or reordered."
        )

        func run() async throws {
            let configuration = try loadConfiguration()
            try await withRuntime(configuration) { runtime in
                let result = try await EventLog.verify(on: try runtime.database.db(logger: runtime.logger))
                if let brokenAt = result.brokenAt {
                    standardError("BROKEN at entry \(brokenAt): \(result.reason ?? "")")
                    standardError("\(result.checked) entries before it are intact")
                    throw ExitStatus.dataError
                }
                say("intact: \(result.checked) entries verified")
            }
        }
    }
}

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every setting and the city profile, reporting all problems at once.",
            discussion: "Exits 0 when the platform can start and 78 otherwise. Does not touch the database."
        )

        func run() async throws {
            let (configuration, problems) = HuesConfiguration.load(environment: ProcessInfo.processInfo.environment)
            var all = problems
            if let configuration {
                do { _ = try CityProfile.load(path: configuration.cityProfilePath) } catch let error as ConfigurationError { all += error.problems }
                if configuration.masterKeyBase64 == nil {
                    all.append(ConfigProblem(key: "HUES_MASTER_KEY", message: "not set; a key will be generated in \(configuration.dataDirectory)/master.key",
                                             severity: .warning))
                }
            }
            for problem in all { say(problem.description) }
            if all.contains(where: { $0.severity == .error }) {
                say("configuration has \(all.filter { $0.severity == .error }.count) error(s)")
                throw ExitStatus.configuration
            }
            if let configuration {
                say("ok: mode \(configuration.mode.rawValue), database \(configuration.database), listening on \(configuration.host):\(configuration.port)")
            }
        }
    }
}
