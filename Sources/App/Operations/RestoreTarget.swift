import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
#if canImport(Glibc)
import Glibc
#endif

extension PlatformBackup {
    /// Where the restored platform will find its key, checked before anything is written: a configured key must be
    /// the backup's; production reads only the configured one; a key file already there must be the same key.
    static func checkKeyPlace(_ key: Data, configuration: HuesConfiguration) throws {
        if let configured = configuration.masterKeyBase64 {
            guard Data(base64Encoded: configured) == key else {
                throw Refusal(description: "HUES_MASTER_KEY is not this backup's key: set it to the key the backup was made with, or unset it")
            }
            return
        }
        guard configuration.mode != .production else {
            throw Refusal(description: "production reads the master key from HUES_MASTER_KEY only: set it to the key the backup was made with")
        }
        if let existing = try existingKeyFile(configuration), existing != key {
            throw Refusal(description: "\(configuration.dataDirectory)/master.key holds another key: restore into an empty data folder")
        }
    }

    /// Writes the key file owner-only and exclusively: a key that appeared meanwhile is compared, never replaced.
    static func placeMasterKey(_ key: Data, configuration: HuesConfiguration) throws {
        guard configuration.masterKeyBase64 == nil else { return }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = (configuration.dataDirectory as NSString).appendingPathComponent("master.key")
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor < 0 {
            guard errno == EEXIST, try existingKeyFile(configuration) == key else {
                throw Refusal(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            return
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data((key.base64EncodedString() + "\n").utf8))
        try handle.synchronize()
    }

    private static func existingKeyFile(_ configuration: HuesConfiguration) throws -> Data? {
        let path = (configuration.dataDirectory as NSString).appendingPathComponent("master.key")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let bytes = FileManager.default.contents(atPath: path),
              let key = Data(base64Encoded: String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw Refusal(description: "\(path) exists but cannot be read as a key") }
        return key
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

    /// Removes a restore that did not check out, so nobody starts the platform on it (the target was empty before).
    static func dropEverything(_ url: String, logger: Logger) async throws {
        let target = try PlatformDatabase(location: .postgres(url: url))
        do {
            let sql = try target.sql(logger: logger)
            let tables = try await sql.raw("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()").all()
                .map { try $0.decode(column: "name", as: String.self) }
            for table in tables {
                let statement = "DROP TABLE IF EXISTS \"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\" CASCADE"
                try await sql.raw(SQLQueryString(statement)).run()
            }
            await target.shutdown()
        } catch {
            await target.shutdown()
            throw error
        }
    }

    /// A file of the backup, by the exact name the manifest gives, and only a regular file (not a link elsewhere).
    static func read(_ folder: String, _ name: String) throws -> Data {
        let path = (folder as NSString).appendingPathComponent(name)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard attributes?[.type] as? FileAttributeType == .typeRegular, let data = FileManager.default.contents(atPath: path) else {
            throw Refusal(description: "\(path) is missing, unreadable or not a regular file")
        }
        return data
    }
}
