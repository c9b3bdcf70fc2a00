import App
import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Platform
import Signatures

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the event log's hash chain and name the first broken link.",
            discussion: """
                Exits 0 when the chain is intact and 65 when an entry was altered, removed or reordered. With --checkpoints, \
                it also checks the log against signed checkpoints kept elsewhere (a file saved from /api/v1/audit/checkpoints, \
                or that URL on another copy): this catches a log rewritten together with its recorded head.
                """
        )

        @Option(help: "Signed checkpoints kept outside the database: a JSON file or an http(s) URL.") var checkpoints: String?
        @Option(help: "The city's root certificate (PEM or DER) kept apart from the database; without it the roots stored in the database are trusted.")
        var root: String?

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
                if let checkpoints { try await verify(against: checkpoints, runtime: runtime) }
            }
        }

        func verify(against source: String, runtime: HuesRuntime) async throws {
            let published = try JSONDecoder().decode([SignedCheckpoint].self, from: try await Self.load(source))
            let trusted = try root.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
            let signatures = try runtime.require(SignaturesModule.self)
            let (valid, refused) = try await CheckpointVerification.check(published, trustedRoot: trusted, signing: signatures.signing, logger: runtime.logger)
            let mismatches = try await EventLog.verify(against: valid, city: runtime.profile.city.code, on: try runtime.database.db(logger: runtime.logger))
            for line in refused + mismatches { standardError("CHECKPOINT " + line) }
            guard refused.isEmpty, mismatches.isEmpty else { throw ExitStatus.dataError }
            say("matches \(valid.count) signed checkpoints\(trusted == nil ? " (signatures checked against the roots in the database)" : "")")
        }

        static func load(_ source: String) async throws -> Data {
            guard source.hasPrefix("http://") || source.hasPrefix("https://") else { return try Data(contentsOf: URL(fileURLWithPath: source)) }
            guard let url = URL(string: source) else { throw ValidationError("not a URL: \(source)") }
            let (data, response) = try await URLSession.shared.data(from: url)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw ValidationError("\(source) did not answer 200") }
            return data
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
