import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
#if canImport(Glibc)
import Glibc
#endif

extension PlatformBackup {
    /// Restores a backup into the empty database and data folder `configuration` names. The copy is checked (every
    /// table's checksum, the migrations, the event log's chain) before it is put in place and before the master key
    /// is written; a wrong passphrase, an altered manifest, a non-empty target or a different key stop it first.
    @discardableResult
    public static func restore(from folder: String, into configuration: HuesConfiguration, passphrase: String, logger: Logger) async throws
        -> BackupManifest
    {
        let manifestBytes = try read(folder, BackupManifest.fileName)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest = try decoder.decode(BackupManifest.self, from: manifestBytes)
        guard manifest.format == BackupManifest.currentFormat else { throw Refusal(description: "backup format \(manifest.format) is not one this release reads") }
        guard manifest.masterKeyFile == keyFile, manifest.databaseFile == (manifest.database == "sqlite" ? sqliteFile : postgresFile) else {
            throw Refusal(description: "the manifest names files this release does not write")
        }
        let key = try decoder.decode(KeyEnvelope.self, from: try read(folder, keyFile)).open(passphrase: passphrase, manifest: manifestBytes)
        try checkKeyPlace(key, configuration: configuration)
        let copy = (folder as NSString).appendingPathComponent(manifest.databaseFile)
        switch configuration.database {
        case .sqlite(let path):
            guard manifest.database == "sqlite" else { throw Refusal(description: "this is a \(manifest.database) backup; restore it into \(manifest.database)") }
            try await restoreSQLite(copy, to: path, manifest: manifest, logger: logger)
        case .postgres(let url):
            guard manifest.database == "postgresql" else { throw Refusal(description: "this is a \(manifest.database) backup; restore it into \(manifest.database)") }
            try await restorePostgres(copy, to: url, manifest: manifest, logger: logger)
        case .sqliteInMemory:
            throw Refusal(description: "restore into a database on disk")
        }
        try placeMasterKey(key, configuration: configuration)
        return manifest
    }

    /// Copied beside its place, checked there, then linked into place (which fails rather than replace a file).
    private static func restoreSQLite(_ copy: String, to path: String, manifest: BackupManifest, logger: Logger) async throws {
        // A stale -wal beside the new file would be replayed onto it when it is first opened.
        for leftover in [path, path + "-wal", path + "-shm", path + "-journal"] where FileManager.default.fileExists(atPath: leftover) {
            throw Refusal(description: "\(leftover) already exists: restore into an empty data folder")
        }
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let staging = path + ".restoring-\(UUID().uuidString.prefix(8))"
        defer { for file in [staging, staging + "-wal", staging + "-shm"] { try? FileManager.default.removeItem(atPath: file) } }
        guard (try? FileManager.default.attributesOfItem(atPath: copy))?[.type] as? FileAttributeType == .typeRegular else {
            throw Refusal(description: "\(copy) is missing or not a regular file")
        }
        try FileManager.default.copyItem(atPath: copy, toPath: staging)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: staging)
        try await check(.sqlite(path: staging), against: manifest, logger: logger)
        guard link(staging, path) == 0 else {
            throw Refusal(description: "cannot put the restored database at \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Restored in one transaction, checked, and removed again when it does not match.
    private static func restorePostgres(_ copy: String, to url: String, manifest: BackupManifest, logger: Logger) async throws {
        try await requireEmptyPostgres(url, logger: logger)
        let target = try PostgresTarget(url)
        try await ExternalCommand.run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                                                     "--dbname=\(target.url)", copy], environment: target.environment)
        do {
            try await check(.postgres(url: url), against: manifest, logger: logger)
        } catch {
            try await dropEverything(url, logger: logger)
            throw error
        }
    }

    /// The restored database against the manifest: any difference is named, table by table.
    static func check(_ location: DatabaseLocation, against manifest: BackupManifest, logger: Logger) async throws {
        let restored = try PlatformDatabase(location: location)
        do {
            var differences = try await restored.db(logger: logger).transaction { transaction in
                guard let sql = transaction as? any SQLDatabase else { throw Problem.internal() }
                if sql.dialect.name == "postgresql" {
                    for setting in TableChecksums.postgresSettings { try await sql.raw(SQLQueryString(setting)).run() }
                }
                return try await differencesFrom(manifest, on: sql)
            }
            // Verifying seals entries a PostgreSQL backup caught in the inbox, so the chain may end past the manifest's head.
            let chain = try await EventLog.verify(on: try restored.db(logger: logger))
            if !chain.isIntact || chain.checked < manifest.chain.seq {
                differences.append("the event log's chain does not verify (\(chain.checked) entries, broken at \(chain.brokenAt.map(String.init) ?? "-"))")
            }
            await restored.shutdown()
            guard differences.isEmpty else {
                throw Refusal(description: "the restored copy does not match the backup: " + differences.joined(separator: "; "))
            }
        } catch {
            await restored.shutdown()
            throw error
        }
    }

    private static func differencesFrom(_ manifest: BackupManifest, on sql: any SQLDatabase) async throws -> [String] {
        var differences: [String] = []
        if try await TableChecksums.migrations(on: sql) != manifest.migrations { differences.append("the migrations differ") }
        if try await TableChecksums.chainHead(on: sql) != manifest.chain { differences.append("the event log's head differs") }
        let tables = try await TableChecksums.tables(on: sql)
        let expected = Dictionary(manifest.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for table in tables where expected[table.name] != table { differences.append("table \(table.name) differs") }
        for name in Set(expected.keys).subtracting(tables.map(\.name)).sorted() { differences.append("table \(name) is missing") }
        return differences
    }
}
