import ArgumentParser
import Foundation

@main
struct Hues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hues",
        abstract: "HueS: an open smart-city platform. One account and one API for every public service of the city.",
        discussion: "Settings come from HUES_* environment variables; run 'hues config check' to see them validated.",
        subcommands: [Serve.self, Migrate.self, Demo.self, UserCommand.self, ServiceCommand.self, CACommand.self, PaymentsCommand.self, ReportsCommand.self, PerformanceCommand.self, SOCCommand.self, KeysCommand.self, AuditCommand.self, ConfigCommand.self, BackupCommand.self, RestoreCommand.self, DoctorCommand.self]
    )
}
