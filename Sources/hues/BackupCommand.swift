import App
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
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
        umask(0o077)
        // Never a new key: outside production the platform makes one when the data folder has none, and a backup
        // sealing that key (a mistyped HUES_DATA_DIR) could never open the secrets in its database.
        let keyFile = (configuration.dataDirectory as NSString).appendingPathComponent("master.key")
        guard configuration.masterKeyBase64 != nil || FileManager.default.fileExists(atPath: keyFile) else {
            standardError("backup refused: no HUES_MASTER_KEY and no \(keyFile); is HUES_DATA_DIR the platform's data folder?")
            throw ExitStatus.configuration
        }
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
        umask(0o077)
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
