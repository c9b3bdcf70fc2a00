import ArgumentParser
import Foundation

@main
struct Hues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hues",
        abstract: "HueS: an open smart-city platform. One account and one API for every public service of the city.",
        discussion: "Settings come from HUES_* environment variables; run 'hues config check' to see them validated.",
        subcommands: [Serve.self, Migrate.self, Demo.self, UserCommand.self, AuditCommand.self, ConfigCommand.self]
    )

    static func main() async {
        // Line-buffered stdout, so the demo logins show up at once even when output goes to a file or a pipe.
        setvbuf(stdout, nil, _IOLBF, 0)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
