import Crypto
import Foundation
import Logging
import Platform
import SQLKit

/// The numeric attributes the city declared (`HUES_NGSI_NUMBER_INDEXES`), each an expression index over the entity
/// documents: the attribute's `value` when the entity is of the declared type and the value a number, else NULL, so
/// booleans, texts and other types never sit among the numbers and a comparison needs no second look at the document.
///
/// The index only serves a query whose expression is the index's own, word for word, so the path and the type are
/// written into both as SQL literals from the declaration (valid NGSI-LD names, which hold no quote), never from the
/// request; the request's number stays a bound parameter.
struct EntityNumberIndex: Sendable {
    let declared: Set<SensorNumberIndex>
    private let byPair: [String: SensorNumberIndex]

    init(_ declared: [SensorNumberIndex] = []) {
        self.declared = Set(declared)
        // The configuration refuses a pair declared two ways; were it not, the first in order would answer.
        byPair = Dictionary(declared.sorted().map { ("\($0.type)\u{0}\($0.attribute)", $0) }) { first, _ in first }
    }

    /// The declaration that answers `attribute` of entities of `type`, if the city made one.
    func covering(type: String?, attribute: String) -> SensorNumberIndex? {
        guard let type else { return nil }
        return byPair["\(type)\u{0}\(attribute)"]
    }

    /// The attribute's number as the index holds it: NULL for entities of other types, so the index needs no
    /// condition of its own (which the database would only use for a query naming the type as a literal) and a count
    /// is read from the index alone. Other types' writes add a NULL entry, which costs little.
    ///
    /// Banded, it is that number's band: divided by the width (a number literal, so the division is in doubles on
    /// both databases) and truncated. SQLite's division gives infinity past the doubles and its cast saturates at the
    /// integer range, so every huge number still has a band, in order. PostgreSQL refuses a division whose result
    /// overflows or underflows (1e308 / 0.1, 5e-324 / 10), which would fail the write: there a number within one
    /// width of zero is band 0 without dividing, and the others are held within ±1e300 first; both keep the order.
    static func expression(_ index: SensorNumberIndex, postgres: Bool) -> SQLQueryString {
        guard let width = index.band else { return value(index, postgres: postgres) }
        return band(value(index, postgres: postgres), width: width, postgres: postgres)
    }

    /// `number`'s band (a column's expression, or a bound literal: the same arithmetic either way).
    static func band(_ number: SQLQueryString, width: Double, postgres: Bool) -> SQLQueryString {
        let divisor = "\(width)"  // Swift writes a finite double as SQL reads one: 10.0, 0.5, 1e-06.
        guard postgres else { return "CAST(" + number + " / \(unsafeRaw: divisor) AS INTEGER)" }
        let held: SQLQueryString = "LEAST(GREATEST(" + number + ", CAST(-1e300 AS float8)), CAST(1e300 AS float8))"
        // GREATEST and LEAST pass over NULL, so NULL (another type, not a number) is kept NULL explicitly.
        return "(CASE WHEN " + number + " IS NULL THEN NULL WHEN abs(" + number + ") < CAST(\(unsafeRaw: divisor) AS float8) THEN CAST(0 AS float8) "
            + "ELSE trunc(" + held + " / CAST(\(unsafeRaw: divisor) AS float8)) END)"
    }

    /// The attribute's number itself (what a banded index's boundary band is checked against).
    static func value(_ index: SensorNumberIndex, postgres: Bool) -> SQLQueryString {
        if postgres {
            let value: SQLQueryString = "jsonb_extract_path(body, \(literal: index.attribute), 'value')"
            return "(CASE WHEN type = \(literal: index.type) AND jsonb_typeof(" + value + ") = 'number' THEN (" + value + " #>> '{}')::float8 END)"
        }
        let path = "$.\"\(index.attribute)\".\"value\""
        return "(CASE WHEN type = \(literal: index.type) THEN CASE json_type(body, \(literal: path)) WHEN 'integer' THEN json_extract(body, \(literal: path)) "
            + "WHEN 'real' THEN json_extract(body, \(literal: path)) END END)"
    }

    /// A stable name from the pair and the expression's version (names may be longer than PostgreSQL's 63-byte
    /// identifiers, and hold `:` and `/`); a release that changes `expression` bumps the version, so the old index is
    /// dropped and the new one built rather than kept under the same name and never used.
    static func name(_ index: SensorNumberIndex) -> String {
        let band = index.band.map { "\u{0}band=\($0)" } ?? ""
        let digest = SHA256.hash(data: Data("\(expressionVersion)\u{0}\(index.type)\u{0}\(index.attribute)\(band)".utf8))
        return "ngsi_number_" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    static let expressionVersion = 1

    /// The numeric indexes on `ngsi_entities` now, by name, and whether each is usable (PostgreSQL marks an index
    /// whose concurrent build was interrupted as not valid).
    static func existing(on sql: any SQLDatabase) async throws -> [String: Bool] {
        let rows = sql.dialect.name == "postgresql"
            ? try await sql.raw("""
                SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = 'ngsi_entities' AND t.relnamespace = current_schema()::regnamespace \
                AND c.relname LIKE 'ngsi\\_number\\_%'
                """).all()
            : try await sql.raw("""
                SELECT name, 1 AS valid FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ngsi_entities' AND name LIKE 'ngsi\\_number\\_%' ESCAPE '\\'
                """).all()
        var found: [String: Bool] = [:]
        for row in rows { found[try row.decode(column: "name", as: String.self)] = try row.decode(column: "valid", as: Bool.self) }
        return found
    }

    /// Builds the declared indexes that are missing (at every start, whatever the command). With `dropping`
    /// (`hues serve` only, so a command run from a shell without the setting cannot take a city's indexes away),
    /// also drops the ones no longer declared, each of which costs every write of its type. An index that cannot be
    /// built or dropped (a stored document that does not read, a lock not granted in time) is logged and left: its
    /// comparisons read every document of its type, and the start goes on.
    ///
    /// Runs under the start-up lock (instances take turns), so on PostgreSQL the build is a plain `CREATE INDEX`,
    /// which holds entity writes for its length (122 ms for 100,000 stations on bare PostgreSQL 15, 175 ms on SQLite, here);
    /// `CONCURRENTLY` would wait for
    /// the transaction holding that lock, which waits for it. The lock on the table is waited for 30 s at most.
    func apply(on database: PlatformDatabase, dropping: Bool, logger: Logger) async throws {
        let sql = try database.sql(logger: logger)
        let postgres = sql.dialect.name == "postgresql"
        let existing = try await Self.existing(on: sql)
        let wanted = Dictionary(declared.map { (Self.name($0), $0) }, uniquingKeysWith: { first, _ in first })
        for (name, valid) in existing.sorted(by: { $0.key < $1.key }) where (dropping && wanted[name] == nil) || (wanted[name] != nil && !valid) {
            await Self.change("DROP INDEX IF EXISTS \(ident: name)", on: database, logger: logger, done: "numeric index dropped",
                              failed: "a numeric index could not be dropped", metadata: ["index": "\(name)", "reason": "\(valid ? "no longer declared" : "not valid")"])
        }
        for (name, index) in wanted.sorted(by: { $0.value < $1.value }) where existing[name] != true {
            let create: SQLQueryString = "CREATE INDEX IF NOT EXISTS \(ident: name) ON ngsi_entities (" + Self.expression(index, postgres: postgres) + ")"
            await Self.change(create, on: database, logger: logger, done: "numeric index built",
                              failed: "a declared numeric index could not be built; comparisons of it read every document of its type",
                              metadata: ["index": "\(name)", "attribute": "\(index)"])
        }
    }

    /// One change in a write of its own (PostgreSQL ends a transaction at its first error, and one failed build must
    /// not undo the others), logged either way.
    private static func change(_ statement: SQLQueryString, on database: PlatformDatabase, logger: Logger, done: String, failed: String,
                               metadata: Logger.Metadata) async {
        do {
            try await database.write(logger: logger) { db in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                if database.kind == .postgres { try await sql.raw("SET LOCAL lock_timeout = '30s'").run() }
                try await sql.raw(statement).run()
            }
            logger.notice("operations: \(done)", metadata: metadata)
        } catch {
            logger.error("operations: \(failed)", metadata: metadata.merging(["error": "\(String(reflecting: error))"]) { first, _ in first })
        }
    }
}
