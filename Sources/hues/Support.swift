import App
import ArgumentParser
import Foundation
import Logging
import Platform

/// Exit codes from sysexits(3), so scripts and service managers can tell what kind of failure happened.
enum ExitStatus {
    static let dataError = ExitCode(65)
    static let unavailable = ExitCode(69)
    static let configuration = ExitCode(78)
}

/// Writes a line to standard output at once (print is block-buffered when the output is a file or a pipe).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func standardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Loads and validates the configuration; prints every problem and exits 78 when it cannot be used.
func loadConfiguration(overrides: [String: String] = [:]) throws -> HuesConfiguration {
    var environment = ProcessInfo.processInfo.environment
    for (key, value) in overrides { environment[key] = value }
    let (configuration, problems) = HuesConfiguration.load(environment: environment)
    for problem in problems where problem.severity == .warning { standardError(problem.description) }
    guard let configuration else {
        standardError(ConfigurationError(problems: problems).description)
        throw ExitStatus.configuration
    }
    PlatformLogging.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
    return configuration
}

/// Builds the runtime and migrates, turning setup failures into messages a sysadmin can act on.
func prepareRuntime(_ configuration: HuesConfiguration) async throws -> HuesRuntime {
    let runtime: HuesRuntime
    do {
        runtime = try await HuesRuntime.make(configuration: configuration)
    } catch let error as ConfigurationError {
        standardError(error.description)
        throw ExitStatus.configuration
    }
    do {
        try await runtime.migrate()
    } catch {
        await runtime.database.shutdown()
        if Problem.isDatabaseUnavailable(error) {
            standardError("error: cannot reach the database at \(configuration.database): \(error)")
            standardError("hint: check HUES_DATABASE_URL and that the server is running")
            throw ExitStatus.unavailable
        }
        if let problem = error as? ConfigurationError {
            standardError(problem.description)
            throw ExitStatus.configuration
        }
        standardError("error: migrating \(configuration.database) failed: \(error)")
        throw ExitCode.failure
    }
    return runtime
}

/// Runs `body` against a migrated runtime and always closes the database.
func withRuntime<T>(_ configuration: HuesConfiguration, _ body: (HuesRuntime) async throws -> T) async throws -> T {
    let runtime = try await prepareRuntime(configuration)
    do {
        let result = try await body(runtime)
        await runtime.database.shutdown()
        return result
    } catch {
        await runtime.database.shutdown()
        throw error
    }
}
