import Crypto
import FluentKit
import Foundation
import Platform
import SQLKit
import Synchronization

/// Every table's rows hashed in a canonical order, the event log's head and the migrations that made the schema:
/// what a backup promises and what a restore is checked against.
enum TableChecksums {
    static func tables(on sql: any SQLDatabase) async throws -> [BackupManifest.Table] {
        let postgres = sql.dialect.name == "postgresql"
        let names = try await sql.raw(postgres
            ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .all().map { try $0.decode(column: "name", as: String.self) }
        var tables: [BackupManifest.Table] = []
        for name in names { tables.append(try await checksum(name, postgres: postgres, on: sql)) }
        return tables
    }

    /// One table: each row as text (SQLite's `quote()` of every column, PostgreSQL's row-to-text), sorted bytewise,
    /// streamed through SHA-256 so a table of millions of rows is never held in memory.
    static func checksum(_ table: String, postgres: Bool, on sql: any SQLDatabase) async throws -> BackupManifest.Table {
        let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let line: String
        if postgres {
            line = "SELECT t::text AS line FROM \(quoted) t ORDER BY t::text COLLATE \"C\""
        } else {
            let columns = try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table)) ORDER BY cid").all()
                .map { "quote(\"" + (try $0.decode(column: "name", as: String.self)).replacingOccurrences(of: "\"", with: "\"\"") + "\")" }
            line = "SELECT \(columns.isEmpty ? "''" : columns.joined(separator: " || '|' || ")) AS line FROM \(quoted) ORDER BY line"
        }
        let digest = RowDigest()
        try await sql.raw(SQLQueryString(line)).run { row in digest.add(row) }
        let (rows, hash, failure) = digest.finish()
        if let failure { throw failure }
        return BackupManifest.Table(name: table, rows: rows, sha256: hash)
    }

    static func chainHead(on sql: any SQLDatabase) async throws -> BackupManifest.ChainHead {
        guard let row = try await sql.raw("SELECT last_seq, last_hash FROM event_chain WHERE id = 1").first() else { throw Problem.internal() }
        return .init(seq: try row.decode(column: "last_seq", as: Int.self), hash: try row.decode(column: "last_hash", as: String.self))
    }

    static func migrations(on sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT name FROM _fluent_migrations ORDER BY name").all().map { try $0.decode(column: "name", as: String.self) }
    }
}

/// SHA-256 over rows as they stream in; a row that cannot be read is kept as the failure, never skipped.
private final class RowDigest: Sendable {
    private let state = Mutex<(hash: SHA256, rows: Int, failure: (any Error)?)>((SHA256(), 0, nil))

    func add(_ row: any SQLRow) {
        state.withLock { state in
            guard state.failure == nil else { return }
            do {
                let text = try row.decode(column: "line", as: String?.self) ?? "NULL"
                state.hash.update(data: Data(text.utf8))
                state.hash.update(data: Data([0x0A]))
                state.rows += 1
            } catch {
                state.failure = error
            }
        }
    }

    func finish() -> (Int, String, (any Error)?) {
        state.withLock { ($0.rows, $0.hash.finalize().map { String(format: "%02x", $0) }.joined(), $0.failure) }
    }
}
