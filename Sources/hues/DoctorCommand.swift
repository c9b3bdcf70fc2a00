import App
import ArgumentParser
import Foundation
import Platform

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what an operator must watch: configuration, database, schema, disk, clock, event log, backlogs, certificates.",
        discussion: "Prints one line per check. Exits 0 when nothing failed (warnings included) and 69 when a check failed."
    )

    @Flag(help: "Print the findings as JSON.") var json = false

    func run() async throws {
        let configuration = try loadConfiguration()
        // No migrations: the doctor looks at the platform as it is, and says when the schema is behind.
        let runtime = try await HuesRuntime.make(configuration: configuration)
        let results = await PlatformDoctor.examine(runtime)
        await runtime.database.shutdown()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            say(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            let width = results.map(\.check.count).max() ?? 10
            for result in results {
                say("\(result.status.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) "
                    + "\(result.check.padding(toLength: width, withPad: " ", startingAt: 0))  \(result.detail)")
            }
        }
        if results.contains(where: { $0.status == .failure }) { throw ExitStatus.unavailable }
    }
}
