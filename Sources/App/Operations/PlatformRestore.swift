import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

extension PlatformBackup {
    /// Restores a backup into the empty database and data folder `configuration` names, then checks every table's
    /// checksum, the migrations and the event log's chain against the manifest. A wrong passphrase, a non-empty
    /// target or a master key that differs from the backup's stops it before anything is written.
    @discardableResult
    public static func restore(from folder: String, into configuration: HuesConfiguration, passphrase: String, logger: Logger) async throws
        -> BackupManifest
    {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest = try decoder.decode(BackupManifest.self, from: try read(folder, BackupManifest.fileName))
        guard manifest.format == BackupManifest.currentFormat else { throw Refusal(description: "backup format \(manifest.format) is not one this release reads") }
        let key = try decoder.decode(KeyEnvelope.self, from: try read(folder, manifest.masterKeyFile)).open(passphrase: passphrase)
        let copy = (folder as NSString).appendingPathComponent((manifest.databaseFile as NSString).lastPathComponent)
        switch configuration.database {
        case .sqlite(let path):
            guard manifest.database == "sqlite" else { throw Refusal(description: "this is a \(manifest.database) backup; restore it into \(manifest.database)") }
            guard !FileManager.default.fileExists(atPath: path) else { throw Refusal(description: "\(path) already exists: restore into an empty data folder") }
            try placeMasterKey(key, configuration: configuration)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: copy, toPath: path)
        case .postgres(let url):
            guard manifest.database == "postgresql" else { throw Refusal(description: "this is a \(manifest.database) backup; restore it into \(manifest.database)") }
            try await requireEmptyPostgres(url, logger: logger)
            try placeMasterKey(key, configuration: configuration)
            let target = try PostgresTarget(url)
            try await ExternalCommand.run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                                                         "--dbname=\(target.url)", copy], environment: target.environment)
        case .sqliteInMemory:
            throw Refusal(description: "restore into a database on disk")
        }
        try await check(configuration.database, against: manifest, logger: logger)
        return manifest
    }

    /// The restored database against the manifest: any difference is named, table by table.
    static func check(_ location: DatabaseLocation, against manifest: BackupManifest, logger: Logger) async throws {
        let restored = try PlatformDatabase(location: location)
        do {
            let sql = try restored.sql(logger: logger)
            let tables = try await TableChecksums.tables(on: sql)
            var differences: [String] = []
            if try await TableChecksums.migrations(on: sql) != manifest.migrations { differences.append("the migrations differ") }
            if try await TableChecksums.chainHead(on: sql) != manifest.chain { differences.append("the event log's head differs") }
            let expected = Dictionary(manifest.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for table in tables where expected[table.name] != table { differences.append("table \(table.name) differs") }
            for name in Set(expected.keys).subtracting(tables.map(\.name)).sorted() { differences.append("table \(name) is missing") }
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

    /// The backup's master key where the restored platform will find it: the configured key must be the same one,
    /// otherwise it is written to the data folder (owner-only), never over a different key.
    static func placeMasterKey(_ key: Data, configuration: HuesConfiguration) throws {
        if let configured = configuration.masterKeyBase64 {
            guard Data(base64Encoded: configured) == key else {
                throw Refusal(description: "HUES_MASTER_KEY is not this backup's key: unset it to restore the backup's key into the data folder")
            }
            return
        }
        let path = (configuration.dataDirectory as NSString).appendingPathComponent("master.key")
        if let existing = FileManager.default.contents(atPath: path) {
            guard Data(base64Encoded: String(decoding: existing, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) == key else {
                throw Refusal(description: "\(path) holds another key: restore into an empty data folder")
            }
            return
        }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data((key.base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw Refusal(description: "cannot write \(path)") }
    }

    static func requireEmptyPostgres(_ url: String, logger: Logger) async throws {
        let target = try PlatformDatabase(location: .postgres(url: url))
        do {
            let count = try await target.sql(logger: logger).raw("SELECT count(*) AS n FROM pg_tables WHERE schemaname = current_schema()")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            await target.shutdown()
            guard count == 0 else { throw Refusal(description: "the target database has \(count) tables: restore into an empty database") }
        } catch {
            await target.shutdown()
            throw error
        }
    }

    static func read(_ folder: String, _ name: String) throws -> Data {
        let path = (folder as NSString).appendingPathComponent((name as NSString).lastPathComponent)
        guard let data = FileManager.default.contents(atPath: path) else { throw Refusal(description: "\(path) is missing or unreadable") }
        return data
    }
}
