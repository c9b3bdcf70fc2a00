import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// `hues backup` and `hues restore`: an online, consistent copy of the whole platform (every table, attachments and
/// photos included, since they live in the database) with the master key sealed under a passphrase, and a restore
/// into an empty data folder or database that is checked table by table and link by link before it is put in place.
///
/// SQLite: `VACUUM INTO` copies the database from one read transaction, so writers carry on and the copy is one
/// consistent moment. PostgreSQL: a repeatable-read transaction exports its snapshot; `pg_dump --snapshot` dumps
/// exactly that moment and the checksums are read in the same transaction.
public enum PlatformBackup {
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    static let sqliteFile = "hues.sqlite"
    static let postgresFile = "hues.pgdump"
    static let keyFile = "master.key.enc"

    @discardableResult
    public static func backup(_ runtime: HuesRuntime, to folder: String, passphrase: String, logger: Logger) async throws -> BackupManifest {
        guard passphrase.count >= KeyEnvelope.minimumPassphraseLength else {
            throw Refusal(description: "the backup passphrase needs at least \(KeyEnvelope.minimumPassphraseLength) characters")
        }
        try prepareEmptyFolder(folder)
        let manifest: BackupManifest
        switch runtime.configuration.database {
        case .sqlite:
            manifest = try await backupSQLite(runtime.database, to: folder, logger: logger)
        case .postgres(let url):
            do {
                manifest = try await backupPostgres(runtime.database, url: url, to: folder, logger: logger)
            } catch let error as ExternalCommand.Failed {
                throw error
            } catch {
                // The operator running the backup needs the server's words (PostgresNIO hides them from `description`).
                throw Refusal(description: "PostgreSQL: \(String(reflecting: error))")
            }
        case .sqliteInMemory:
            throw Refusal(description: "an in-memory database has nothing to back up")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let manifestBytes = try encoder.encode(manifest)
        try write(manifestBytes, to: folder, name: BackupManifest.fileName)
        let envelope = try KeyEnvelope.seal(runtime.secrets.keyForBackup, passphrase: passphrase, manifest: manifestBytes)
        try write(try JSONEncoder().encode(envelope), to: folder, name: keyFile)
        return manifest
    }

    private static func backupSQLite(_ database: PlatformDatabase, to folder: String, logger: Logger) async throws -> BackupManifest {
        let copy = (folder as NSString).appendingPathComponent(sqliteFile)
        // Created owner-only and empty first: VACUUM INTO fills an empty file and keeps its permissions.
        try write(Data(), to: folder, name: sqliteFile)
        try await database.sql(logger: logger).raw("VACUUM INTO \(bind: copy)").run()
        // The figures come from the copy itself: the live database has moved on since.
        let snapshot = try PlatformDatabase(location: .sqlite(path: copy))
        do {
            let sql = try snapshot.sql(logger: logger)
            let manifest = BackupManifest(format: BackupManifest.currentFormat, database: "sqlite", createdAt: Date(), databaseFile: sqliteFile,
                                          masterKeyFile: keyFile, migrations: try await TableChecksums.migrations(on: sql),
                                          tables: try await TableChecksums.tables(on: sql), chain: try await TableChecksums.chainHead(on: sql))
            await snapshot.shutdown()
            return manifest
        } catch {
            await snapshot.shutdown()
            throw error
        }
    }

    private static func backupPostgres(_ database: PlatformDatabase, url: String, to folder: String, logger: Logger) async throws -> BackupManifest {
        let file = (folder as NSString).appendingPathComponent(postgresFile)
        try write(Data(), to: folder, name: postgresFile)
        let target = try PostgresTarget(url)
        // Chain what waits in the inbox first, so the manifest's head covers every write committed before the copy.
        try await EventLog.seal(on: try database.db(logger: logger))
        return try await database.db(logger: logger).transaction { transaction in
            guard let sql = transaction as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").run()
            for setting in TableChecksums.postgresSettings { try await sql.raw(SQLQueryString(setting)).run() }
            guard let snapshot = try await sql.raw("SELECT pg_export_snapshot() AS id").first()?.decode(column: "id", as: String.self) else {
                throw Problem.internal()
            }
            try await ExternalCommand.run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--snapshot=\(snapshot)",
                                                      "--file=\(file)", "--dbname=\(target.url)"], environment: target.environment)
            return BackupManifest(format: BackupManifest.currentFormat, database: "postgresql", createdAt: Date(), databaseFile: postgresFile,
                                  masterKeyFile: keyFile, migrations: try await TableChecksums.migrations(on: sql),
                                  tables: try await TableChecksums.tables(on: sql), chain: try await TableChecksums.chainHead(on: sql))
        }
    }

    /// A new folder, or an empty one, made owner-only: the copy holds password hashes, personal data and photos.
    static func prepareEmptyFolder(_ folder: String) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: folder) {
            guard try manager.contentsOfDirectory(atPath: folder).isEmpty else { throw Refusal(description: "\(folder) is not empty") }
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        } else {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
    }

    static func write(_ data: Data, to folder: String, name: String) throws {
        let path = (folder as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw Refusal(description: "cannot write \(path)")
        }
    }
}

/// A PostgreSQL URL for the command-line tools: the password travels in `PGPASSWORD`, never in the process list, and
/// PostgresKit's TLS settings become libpq's (its `require` checks the certificate; libpq's would not).
struct PostgresTarget {
    let url: String
    let environment: [String: String]

    init(_ url: String) throws {
        guard var components = URLComponents(string: url), components.host != nil else {
            throw PlatformBackup.Refusal(description: "not a PostgreSQL URL")
        }
        var environment: [String: String] = [:]
        if let password = components.password { environment["PGPASSWORD"] = password }
        components.password = nil
        let items = components.queryItems ?? []
        let tls = items.first { ["sslmode", "tlsmode", "tls", "ssl"].contains($0.name.lowercased()) }?.value?.lowercased()
        components.queryItems = nil
        if let tls, !["disable", "false", "off"].contains(tls) { components.queryItems = [URLQueryItem(name: "sslmode", value: "verify-full")] }
        guard let rewritten = components.string else { throw PlatformBackup.Refusal(description: "not a PostgreSQL URL") }
        self.url = rewritten
        self.environment = environment
    }
}
