import App
import Foundation
import HuesTestSupport
import Logging
import Platform
import SQLKit
import Synchronization
import Testing

@Suite struct BackupTests {
    static let passphrase = "cầu Trường Tiền 2026"

    static func accounts(_ location: DatabaseLocation) async throws -> Int {
        let database = try PlatformDatabase(location: location)
        let count = try await database.sql(logger: Logger(label: "test")).raw("SELECT count(*) AS n FROM accounts").first()?.decode(column: "n", as: Int.self)
        await database.shutdown()
        return try #require(count)
    }

    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hues-backup-\(UUID().uuidString.prefix(8))").path
    }

    @Test func aBackupTakenWhileWritesGoOnIsOneMomentAndRestoresWithEveryTableAndTheChainIntact() async throws {
        try await TestApp.run { client, runtime in
            let folder = Self.folder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let before = try await Self.accounts(runtime.configuration.database)
            // People keep registering until the copy is done: the copy is one consistent moment among their writes.
            let done = Mutex(false)
            let writes = Task {
                var index = 0
                while !done.withLock({ $0 }) || index < 3 {
                    let response = try await client.send(.post, "/api/v1/accounts/register",
                                                         json: #"{"username":"backup.\#(index)","displayName":"Người \#(index)","password":"a-long-password"}"#)
                    #expect(response.status == .created, "\(body(response))")
                    index += 1
                }
                return index
            }
            try await Task.sleep(for: .milliseconds(50))
            let manifest = try await PlatformBackup.backup(runtime, to: folder, passphrase: Self.passphrase, logger: runtime.logger)
            done.withLock { $0 = true }
            let registered = try await writes.value
            #expect(manifest.tables.count > 20 && manifest.chain.seq > 0)
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + manifest.databaseFile)
            #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0, "the copy is owner-only")
            let envelope = String(decoding: try #require(FileManager.default.contents(atPath: folder + "/master.key.enc")), as: UTF8.self)
            #expect(!envelope.contains(runtime.configuration.masterKeyBase64 ?? "?"), "the key is sealed, never in the clear")
            await #expect(throws: PlatformBackup.Refusal.self, "the folder is not empty any more") {
                try await PlatformBackup.backup(runtime, to: folder, passphrase: Self.passphrase, logger: runtime.logger)
            }

            try await TestDatabase.using { target in
                let configuration = HuesConfiguration.testing(dataDirectory: target.folder + "/data", database: target.location)
                await #expect(throws: KeyEnvelope.WrongPassphrase.self) {
                    try await PlatformBackup.restore(from: folder, into: configuration, passphrase: "not the passphrase", logger: runtime.logger)
                }
                var otherKey = configuration
                otherKey.masterKeyBase64 = Data(repeating: 9, count: 32).base64EncodedString()
                await #expect(throws: PlatformBackup.Refusal.self, "secrets sealed with the backup's key would not open") {
                    try await PlatformBackup.restore(from: folder, into: otherKey, passphrase: Self.passphrase, logger: runtime.logger)
                }
                let restored = try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                #expect(restored.tables == manifest.tables && restored.chain == manifest.chain)
                let copied = try await Self.accounts(target.location)
                #expect(copied == manifest.tables.first { $0.name == "accounts" }?.rows)
                #expect(copied >= before && copied <= before + registered, "\(before) ≤ \(copied) ≤ \(before + registered)")
                // The restored platform starts on it and opens its secrets with the restored key.
                let copy = try await HuesRuntime.make(configuration: configuration, logger: runtime.logger)
                #expect(try await copy.identity.accounts.find(username: "admin", logger: runtime.logger) != nil)
                await copy.database.shutdown()
                await #expect(throws: PlatformBackup.Refusal.self, "never over a database that has data") {
                    try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                }
            }
        }
    }

    @Test func anAlteredBackupIsRefusedAndLeavesNothingBehind() async throws {
        try await TestApp.run { _, runtime in
            let folder = Self.folder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let manifest = try await PlatformBackup.backup(runtime, to: folder, passphrase: Self.passphrase, logger: runtime.logger)
            let path = folder + "/manifest.json"
            let original = try #require(FileManager.default.contents(atPath: path))
            // A manifest edited to hide a change no longer opens the key.
            let accounts = try #require(manifest.tables.first { $0.name == "accounts" })
            let edited = String(decoding: original, as: UTF8.self).replacingOccurrences(of: accounts.sha256, with: String(repeating: "0", count: 64))
            try Data(edited.utf8).write(to: URL(fileURLWithPath: path))
            try await TestDatabase.using { target in
                let configuration = HuesConfiguration.testing(dataDirectory: target.folder + "/data", database: target.location)
                await #expect(throws: KeyEnvelope.WrongPassphrase.self) {
                    try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                }
            }
            try original.write(to: URL(fileURLWithPath: path))
            // A database copy changed after the backup is named table by table, and nothing is put in place.
            guard manifest.database == "sqlite" else { return }
            let copy = try PlatformDatabase(location: .sqlite(path: folder + "/" + manifest.databaseFile))
            try await copy.sql(logger: runtime.logger).raw("UPDATE accounts SET display_name = 'Kẻ gian' WHERE username = 'citizen'").run()
            await copy.shutdown()
            try await TestDatabase.using { target in
                let configuration = HuesConfiguration.testing(dataDirectory: target.folder + "/data", database: target.location)
                do {
                    try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                    Issue.record("a copy that does not match its manifest was accepted")
                } catch let refusal as PlatformBackup.Refusal {
                    #expect(refusal.description.contains("table accounts differs"), "\(refusal)")
                }
                guard case .sqlite(let restoredPath) = target.location else { return }
                #expect(!FileManager.default.fileExists(atPath: restoredPath), "no database for the platform to start on")
                #expect(try FileManager.default.contentsOfDirectory(atPath: target.folder).filter { $0.contains("restoring") }.isEmpty)
            }
        }
    }

    @Test func aStaleWriteAheadLogOrACraftedKeyFileStopsTheRestoreBeforeItWrites() async throws {
        try await TestApp.run { _, runtime in
            let folder = Self.folder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let manifest = try await PlatformBackup.backup(runtime, to: folder, passphrase: Self.passphrase, logger: runtime.logger)
            try await TestDatabase.using { target in
                let configuration = HuesConfiguration.testing(dataDirectory: target.folder + "/data", database: target.location)
                if case .sqlite(let path) = target.location {
                    #expect(FileManager.default.createFile(atPath: path + "-wal", contents: Data("old".utf8)))
                    await #expect(throws: PlatformBackup.Refusal.self) {
                        try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                    }
                    try FileManager.default.removeItem(atPath: path + "-wal")
                }
                // A key file asking for a gigabyte of scrypt memory is refused before any work.
                let keyPath = folder + "/" + manifest.masterKeyFile
                let envelope = String(decoding: try #require(FileManager.default.contents(atPath: keyPath)), as: UTF8.self)
                try Data(envelope.replacingOccurrences(of: #""rounds":131072"#, with: #""rounds":1073741824"#).utf8).write(to: URL(fileURLWithPath: keyPath))
                await #expect(throws: KeyEnvelope.Malformed.self) {
                    try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                }
            }
        }
    }
}
