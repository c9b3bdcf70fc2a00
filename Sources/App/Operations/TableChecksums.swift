import Crypto
import FluentKit
import Foundation
import Platform
import SQLKit
import Synchronization

/// Every table's rows hashed, the event log's head and the migrations that made the schema: what a backup promises
/// and what a restore is checked against.
enum TableChecksums {
    /// PostgreSQL renders rows as text by its session settings (time zone, float digits, date style): fixed here, so
    /// the same rows give the same text on any server.
    static let postgresSettings = [
        "SET LOCAL TimeZone = 'UTC'", "SET LOCAL DateStyle = 'ISO, YMD'", "SET LOCAL IntervalStyle = 'postgres'",
        "SET LOCAL extra_float_digits = 3", "SET LOCAL bytea_output = 'hex'",
    ]

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

    /// One table: each row as text (SQLite's `quote()` of every column, PostgreSQL's row-to-text), hashed with SHA-256,
    /// and the row hashes added together modulo 2^256. The sum does not depend on the order rows come in (VACUUM and
    /// pg_restore may reorder them), counts duplicates, and needs no sort of the table: constant memory however big.
    static func checksum(_ table: String, postgres: Bool, on sql: any SQLDatabase) async throws -> BackupManifest.Table {
        let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let line: String
        if postgres {
            line = "SELECT hues_backup_row::text AS line FROM \(quoted) hues_backup_row"
        } else {
            let columns = try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table)) ORDER BY cid").all()
                .map { "quote(\"" + (try $0.decode(column: "name", as: String.self)).replacingOccurrences(of: "\"", with: "\"\"") + "\")" }
            line = "SELECT \(columns.isEmpty ? "''" : columns.joined(separator: " || '|' || ")) AS line FROM \(quoted)"
        }
        let digest = RowSum()
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

/// The sum of SHA-256 row hashes modulo 2^256 (four 64-bit limbs); a row that cannot be read is the failure, never
/// skipped.
private final class RowSum: Sendable {
    private let state = Mutex<(limbs: [UInt64], rows: Int, failure: (any Error)?)>(([0, 0, 0, 0], 0, nil))

    func add(_ row: any SQLRow) {
        state.withLock { state in
            guard state.failure == nil else { return }
            do {
                let text = try row.decode(column: "line", as: String?.self) ?? "NULL"
                let hash = Array(SHA256.hash(data: Data(text.utf8)))
                var carry: UInt64 = 0
                for limb in (0..<4).reversed() {
                    let value = hash[(limb * 8)..<(limb * 8 + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    let (partial, overflow1) = state.limbs[limb].addingReportingOverflow(value)
                    let (total, overflow2) = partial.addingReportingOverflow(carry)
                    state.limbs[limb] = total
                    carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
                }
                state.rows += 1
            } catch {
                state.failure = error
            }
        }
    }

    func finish() -> (Int, String, (any Error)?) {
        state.withLock { ($0.rows, $0.limbs.map { String(format: "%016llx", $0) }.joined(), $0.failure) }
    }
}
