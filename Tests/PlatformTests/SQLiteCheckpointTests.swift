import FluentKit
import Foundation
import Logging
@testable import Platform
import SQLKit
import Testing

/// SQLite's write-ahead log is copied into the database file in the background, not by whichever commit happens to
/// take it past 1,000 pages (see `SQLiteCheckpointer`).
@Suite struct SQLiteCheckpointTests {
    let logger = Logger(label: "test")

    @Test func commitsLeaveCheckpointsToTheBackgroundAndTheFileStillGetsEveryPage() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-checkpoint-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/hues.sqlite"
        let database = try PlatformDatabase(location: .sqlite(path: path))
        do {
            try await database.migrate([], logger: logger)
            try await database.write(logger: logger) { db in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                try await sql.raw("CREATE TABLE photos (id INTEGER PRIMARY KEY, bytes BLOB NOT NULL)").run()
            }
            // The writer's own commits checkpoint only past the safety bound, not at SQLite's 1,000 pages.
            let automatic = try await database.write(logger: logger) { db -> Int in
                guard let sql = db as? any SQLDatabase, let row = try await sql.raw("PRAGMA wal_autocheckpoint").first() else { throw Problem.internal() }
                return try row.decode(column: "wal_autocheckpoint", as: Int.self)
            }
            #expect(automatic == SQLiteCheckpointer.writerBound)
            // About 1,500 pages of 4 KiB: more than one automatic checkpoint's worth.
            for _ in 0..<60 {
                try await database.write(logger: logger) { db in
                    guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                    try await sql.raw("INSERT INTO photos (bytes) VALUES (randomblob(100000))").run()
                }
            }
            // Until a checkpoint copies them, the pages are only in the log; the database file must get them soon.
            var size = 0
            for _ in 0..<250 {
                size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                if size >= 6_000_000 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(size >= 6_000_000, "the database file holds \(size) bytes five seconds after 6 MB were committed")
            let count = try await database.sql(logger: logger).raw("SELECT count(*) AS n FROM photos").first()?.decode(column: "n", as: Int.self)
            #expect(count == 60)
            // Once every frame is copied, the next write starts the log over instead of growing it. (The round in
            // flight may still be finishing its copy: one more makes sure it is done.)
            #expect(try await SQLiteCheckpointer.checkpoint(on: database.sql(logger: logger)).behind == 0)
            try await database.write(logger: logger) { db in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                try await sql.raw("INSERT INTO photos (bytes) VALUES (randomblob(10))").run()
            }
            let log = try await SQLiteCheckpointer.checkpoint(on: database.sql(logger: logger)).log
            #expect(log < 100, "the log holds \(log) frames after starting over")
        } catch {
            await database.shutdown()
            throw error
        }
        await database.shutdown()
    }
}
