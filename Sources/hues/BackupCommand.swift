import App
import ArgumentParser
import Foundation
import Platform

/// The backup passphrase: a file (for scripts and timers) or `HUES_BACKUP_PASSPHRASE`.
struct PassphraseOption: ParsableArguments {
    @Option(help: "A file holding the backup passphrase (otherwise HUES_BACKUP_PASSPHRASE).") var passphraseFile: String?

    func passphrase() throws -> String {
        if let passphraseFile {
            guard let data = FileManager.default.contents(atPath: passphraseFile) else { throw ValidationError("cannot read \(passphraseFile)") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        guard let value = ProcessInfo.processInfo.environment["HUES_BACKUP_PASSPHRASE"], !value.isEmpty else {
            throw ValidationError("give the backup passphrase with --passphrase-file or HUES_BACKUP_PASSPHRASE")
        }
        return value
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the whole platform while it serves: the database (attachments included) and the master key, sealed with a passphrase.",
        discussion: "Writes manifest.json (every table's checksum and the event log's head), the database copy and master.key.enc into an empty folder."
    )

    @Option(help: "An empty or new folder for the backup.") var to: String
    @OptionGroup var secret: PassphraseOption

    func run() async throws {
        let configuration = try loadConfiguration()
        let passphrase = try secret.passphrase()
        // No migrations: a backup copies the database as the running platform left it.
        let runtime = try await HuesRuntime.make(configuration: configuration)
        do {
            let manifest = try await PlatformBackup.backup(runtime, to: to, passphrase: passphrase, logger: runtime.logger)
            await runtime.database.shutdown()
            say("backed up \(manifest.tables.count) tables, \(manifest.tables.reduce(0) { $0 + $1.rows }) rows, event log at \(manifest.chain.seq), into \(to)")
        } catch {
            await runtime.database.shutdown()
            standardError("backup failed: \(error)")
            throw ExitStatus.dataError
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into an empty data folder or database, then check every table and the event log against it.",
        discussion: "Uses HUES_DATA_DIR and HUES_DATABASE_URL as `serve` would. Exits 65 when the restored copy does not match the backup."
    )

    @Option(help: "The folder `hues backup` wrote.") var from: String
    @OptionGroup var secret: PassphraseOption

    func run() async throws {
        let configuration = try loadConfiguration()
        do {
            let manifest = try await PlatformBackup.restore(from: from, into: configuration, passphrase: try secret.passphrase(), logger: .init(label: "hues"))
            say("restored \(manifest.tables.count) tables and the event log up to \(manifest.chain.seq); every checksum matches")
        } catch let error as ValidationError {
            throw error
        } catch {
            standardError("restore failed: \(error)")
            throw ExitStatus.dataError
        }
    }
}
