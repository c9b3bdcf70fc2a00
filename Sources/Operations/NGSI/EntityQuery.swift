import Foundation
import Hummingbird
import Logging
import Platform
import SQLKit

/// `GET /entities`: which entities, read from the request's parameters into bounded values at the edge.
public struct EntityQuery: Sendable, Equatable {
    public static let maximumLimit = 1000
    public static let maximumOffset = 1_000_000

    public var types: [String] = []
    public var ids: [String] = []
    /// `idPattern` as this broker supports it: a literal prefix followed by `.*`.
    public var idPrefix: String?
    public var attributes: Set<String>?
    public var query: NGSIQuery?
    public var limit = 20
    public var offset = 0
    public var count = false
    /// Up to this many matches of a numeric index are read through it and sorted; more, and the walk in id order is
    /// shorter. Not from the request.
    var fewMatches = 5_000

    public init() {}

    /// Reads `type`, `id`, `idPattern`, `attrs`, `q`, `limit`, `offset` and `count`.
    public init(parameters: [String: String]) throws(NGSIError) {
        types = try Self.list(parameters["type"], name: "type", check: NGSINames.isName)
        ids = try Self.list(parameters["id"], name: "id", check: NGSINames.isURI)
        if let pattern = parameters["idPattern"] { idPrefix = try Self.prefix(of: pattern) }
        if let attrs = parameters["attrs"] { attributes = Set(try Self.list(attrs, name: "attrs", check: NGSINames.isName)) }
        if let q = parameters["q"] { query = try NGSIQueryParser.parse(q) }
        if let text = parameters["limit"] {
            guard let value = BoundedInteger.parse(text, in: 0...Self.maximumLimit) else {
                throw NGSIError(.tooManyResults, "limit is a whole number from 0 to \(Self.maximumLimit).")
            }
            limit = value
        }
        if let text = parameters["offset"] {
            guard let value = BoundedInteger.parse(text, in: 0...Self.maximumOffset) else {
                throw NGSIError(.badRequestData, "offset is a whole number from 0 to \(Self.maximumOffset).")
            }
            offset = value
        }
        count = parameters["count"] == "true"
        // ngsildclient's connection probe asks for `type=None`: a type with no entities, which answers with zero.
        guard !types.isEmpty || !ids.isEmpty || idPrefix != nil || query != nil || attributes != nil || limit == 0 else {
            throw NGSIError(.badRequestData, "Say which entities: type, id, idPattern, attrs or q.")
        }
    }

    static func list(_ text: String?, name: String, check: (String) -> Bool) throws(NGSIError) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard items.count <= 100 else { throw NGSIError(.tooComplexQuery, "\(name) lists more than 100 values.") }
        for item in items where !check(item) { throw NGSIError(.badRequestData, "\(name) has '\(NGSINames.shown(item))', which is not valid.") }
        return items
    }

    static func prefix(of pattern: String) throws(NGSIError) -> String {
        var text = pattern.hasPrefix("^") ? String(pattern.dropFirst()) : pattern
        if text.hasSuffix("$") { text.removeLast() }
        guard text.hasSuffix(".*") else {
            throw NGSIError(.operationNotSupported, "idPattern is supported as a prefix followed by .* (for example urn:ngsi-ld:AirQualityObserved:.*).")
        }
        let prefix = String(text.dropLast(2))
        guard prefix.utf8.count <= NGSINames.maximumURILength, prefix.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !"\\[](){}*+?|^$%_".utf8.contains($0) }) else {
            throw NGSIError(.operationNotSupported, "idPattern is supported as a literal prefix followed by .*, without other pattern characters.")
        }
        return prefix
    }

    /// The matching entities (at most `limit`, from `offset`, ordered by id) and, when asked, how many match in all.
    /// `numbers`: the city's numeric indexes, which a comparison with a number uses when the query names one type.
    func run(on sql: any SQLDatabase, numbers: EntityNumberIndex = EntityNumberIndex(), logger: Logger) async throws
        -> (entities: [NGSIEntity], count: Int?)
    {
        let postgres = sql.dialect.name == "postgresql"
        var conditions: [SQLQueryString] = []
        if !ids.isEmpty { conditions.append("id IN (\(binds: ids))") }
        if let idPrefix { conditions.append("substr(id, 1, \(literal: idPrefix.utf8.count)) = \(bind: idPrefix)") }
        if let attributes {
            let any = attributes.sorted().map { NGSIQuerySQL(postgres: postgres).condition(.term(.init(path: .init(attribute: $0, subAttributes: [], keys: []), comparison: .exists, operand: nil))) }
            conditions.append("(" + any.joined(separator: " OR ") + ")")
        }
        let typed: [SQLQueryString] = types.isEmpty ? [] : ["type IN (\(binds: types))"]
        let scanning = NGSIQuerySQL(postgres: postgres, type: types.count == 1 ? types[0] : nil)
        let indexed = NGSIQuerySQL(postgres: postgres, numbers: numbers, type: scanning.type)
        func filter(_ translation: NGSIQuerySQL, _ base: [SQLQueryString]) -> SQLQueryString {
            let all = base + (query.map { [translation.condition($0)] } ?? [])
            return all.isEmpty ? "" : " WHERE " + all.joined(separator: " AND ")
        }
        guard let query, let narrowing = indexed.indexedConjunct(query) else {
            let entities = try await page(filter(scanning, typed + conditions), on: sql, logger: logger)
            return (entities, count ? try await total(filter(scanning, typed + conditions), on: sql) : nil)
        }
        // The indexed comparison holds numbers of the one type only, so it stands for the type condition (which would
        // otherwise draw the database to the index of types). A probe of it alone reads at most one more entry of the
        // index than `fewMatches`: few matches are read through the index and sorted; many are found sooner walking
        // the type in id order, which stops at the page's end. A count is read through the index too.
        let probe = try await total(" WHERE " + narrowing, on: sql, upTo: fewMatches + 1)
        let through = filter(indexed, conditions)
        var matches: Int? = probe == 0 ? 0 : nil
        if count, matches == nil { matches = try await total(through, on: sql) }
        if let matches, matches <= offset { return ([], count ? matches : nil) }
        let few = probe <= fewMatches
        let entities = try await page(few ? through : filter(scanning, typed + conditions), sorted: few, on: sql, logger: logger)
        return (entities, count ? matches : nil)
    }

    /// `sorted`: the few matches of a numeric index are sorted after reading; SQLite would otherwise walk the ids in
    /// order to skip the sort (`+id` is no column to it), reading every entity to find a rare match.
    private func page(_ filter: SQLQueryString, sorted: Bool = false, on sql: any SQLDatabase, logger: Logger) async throws -> [NGSIEntity] {
        guard limit > 0 else { return [] }
        let order: SQLQueryString = sorted && sql.dialect.name != "postgresql" ? " ORDER BY +id" : " ORDER BY id"
        let rows = try await sql.raw(EntityRows.select(sql) + filter + order + " LIMIT \(bind: limit) OFFSET \(bind: offset)").all()
        return try EntityRows.decode(rows, logger: logger)
    }

    private func total(_ filter: SQLQueryString, on sql: any SQLDatabase, upTo bound: Int? = nil) async throws -> Int {
        let query: SQLQueryString = bound.map { "SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM ngsi_entities" + filter + " LIMIT \(bind: $0)) AS probe" }
            ?? "SELECT COUNT(*) AS n FROM ngsi_entities" + filter
        return try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
