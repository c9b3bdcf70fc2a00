import App
import Foundation
import HuesTestSupport
import Logging
import Platform
import Testing

@Suite struct BackupTests {
    static let passphrase = "cầu Trường Tiền 2026"

    @Test func aBackupTakenWhileWritesGoOnRestoresWithEveryTableAndTheChainIntact() async throws {
        try await TestApp.run { client, runtime in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-backup-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            // People keep registering while the copy is taken: the copy is one consistent moment, not a mix.
            let writes = Task {
                for index in 0..<15 {
                    _ = try await client.send(.post, "/api/v1/accounts/register",
                                              json: #"{"username":"backup.\#(index)","displayName":"Người \#(index)","password":"a-long-password"}"#)
                }
            }
            let manifest = try await PlatformBackup.backup(runtime, to: folder, passphrase: Self.passphrase, logger: runtime.logger)
            try await writes.value
            #expect(manifest.tables.count > 20)
            #expect(manifest.tables.first { $0.name == "event_log" }?.rows == manifest.chain.seq || manifest.database == "postgresql")
            #expect(manifest.chain.seq > 0)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            #expect(files.contains("manifest.json") && files.contains("master.key.enc"))
            let envelope = String(decoding: try #require(FileManager.default.contents(atPath: folder + "/master.key.enc")), as: UTF8.self)
            #expect(!envelope.contains(runtime.secrets.keyForBackup.base64EncodedString()), "the key is sealed, never in the clear")
            await #expect(throws: PlatformBackup.Refusal.self, "the folder is not empty any more") {
                try await PlatformBackup.backup(runtime, to: folder, passphrase: Self.passphrase, logger: runtime.logger)
            }

            try await TestDatabase.using { target in
                let configuration = HuesConfiguration.testing(dataDirectory: target.folder + "/data", database: target.location)
                await #expect(throws: KeyEnvelope.WrongPassphrase.self) {
                    try await PlatformBackup.restore(from: folder, into: configuration, passphrase: "not the passphrase", logger: runtime.logger)
                }
                let restored = try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                #expect(restored.tables == manifest.tables && restored.chain == manifest.chain && restored.migrations == manifest.migrations)
                // The restored platform starts on it and finds what was there at the moment of the copy.
                let copy = try await HuesRuntime.make(configuration: configuration, logger: runtime.logger)
                let admin = try await copy.identity.accounts.find(username: "admin", logger: runtime.logger)
                #expect(admin != nil)
                await copy.database.shutdown()
                await #expect(throws: PlatformBackup.Refusal.self, "never over a database that has data") {
                    try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                }
            }
        }
    }

    @Test func aBackupAlteredAfterItWasTakenIsCaughtOnRestore() async throws {
        try await TestApp.run { _, runtime in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-backup-\(UUID().uuidString.prefix(8))").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let manifest = try await PlatformBackup.backup(runtime, to: folder, passphrase: Self.passphrase, logger: runtime.logger)
            // Someone edits the manifest to hide a change: the restore names the table that no longer matches.
            let path = folder + "/manifest.json"
            let text = String(decoding: try #require(FileManager.default.contents(atPath: path)), as: UTF8.self)
            let accounts = try #require(manifest.tables.first { $0.name == "accounts" })
            try Data(text.replacingOccurrences(of: accounts.sha256, with: String(repeating: "0", count: 64)).utf8).write(to: URL(fileURLWithPath: path))
            try await TestDatabase.using { target in
                let configuration = HuesConfiguration.testing(dataDirectory: target.folder + "/data", database: target.location)
                do {
                    try await PlatformBackup.restore(from: folder, into: configuration, passphrase: Self.passphrase, logger: runtime.logger)
                    Issue.record("a restore that does not match its manifest was accepted")
                } catch let refusal as PlatformBackup.Refusal {
                    #expect(refusal.description.contains("table accounts differs"), "\(refusal)")
                }
            }
        }
    }
}
