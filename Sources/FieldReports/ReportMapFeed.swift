import Crypto
import Foundation
import Hummingbird
import Logging
import Platform
import SQLKit
import Synchronization

/// What the maps draw, as GeoJSON: the wards' boundaries, and the public reports inside the part of the city on screen.
///
/// A typhoon morning sends the whole city to the map at once, so the feed is small and shared: zoomed out, reports come
/// as counts per cell of a grid (a few hundred features for the whole city, whatever the number of reports); zoomed
/// in, as points. Answers are kept for `freshness` per (cells on screen, zoom, filters), so a crowd panning the same
/// streets costs one query per ten seconds, with an ETag for the browser and any proxy in between.
struct ReportMapFeed: Sendable {
    let reports: FieldReportService
    let cache = FeedCache()
    static let freshness: TimeInterval = 10
    /// From this zoom on, reports come one by one; below it, counted per cell.
    static let pointsFromZoom = 14
    static let maxPoints = 2_000

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/field-reports/map", access: .everyone,
                  summary: "Public reports in a bounding box as GeoJSON: points from zoom 14, counts per cell below (bbox, zoom, category, status)") { request, context in
            let query = try MapQuery(request, categories: Set(reports.settings.categories.map(\.code)))
            return try await answer(try await features(query, logger: context.logger), request: request, maxAge: Int(Self.freshness))
        }
        routes.on(.get, "/api/v1/field-reports/boundaries", access: .everyone, summary: "The wards' and communes' boundaries as GeoJSON") { request, _ in
            try await answer(try cache.boundaries { try Self.boundaries(reports.boundaries, names: reports.units.mapValues(\.name)) }, request: request, maxAge: 3600)
        }
    }

    /// The body for a query, from the cache while fresh.
    func features(_ query: MapQuery, logger: Logger) async throws -> FeedCache.Entry {
        let now = Date()
        // Kept up to 10 s, but no longer than the next report event (anywhere: other instances' arrive by NOTIFY)
        // once it is 2 s old, so the live map's refresh after a change sees it.
        let generation = reports.database.changes.generation(FieldReportsModule.publicTopics)
        if let hit = cache.entry(query.key, at: now, generation: generation) { return hit }
        // Visitors missing the same view together wait for one query instead of each running it.
        return try await cache.once(query.key + "|\(generation)") { [self] in
            let sql = try reports.database.sql(logger: logger)
            let features = query.zoom >= Self.pointsFromZoom ? try await points(query, on: sql, at: now) : try await cells(query, on: sql)
            let body = try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features], options: [.sortedKeys])
            return cache.store(query.key, body: body, made: now, until: now.addingTimeInterval(Self.freshness), generation: generation)
        }
    }

    private func points(_ query: MapQuery, on sql: any SQLDatabase, at now: Date) async throws -> [[String: Any]] {
        let rows = try await sql.raw("""
            SELECT code, category, latitude, longitude, is_open, due_at FROM field_reports WHERE is_public = \(bind: true) \
            AND latitude BETWEEN \(bind: query.box.minLatitude) AND \(bind: query.box.maxLatitude) \
            AND longitude BETWEEN \(bind: query.box.minLongitude) AND \(bind: query.box.maxLongitude)\(query.filters) \
            ORDER BY requested_at DESC LIMIT \(unsafeRaw: String(Self.maxPoints))
            """).all()
        return try rows.map { row in
            let open = try row.decode(column: "is_open", as: Bool.self)
            let overdue = try open && (row.decode(column: "due_at", as: Date?.self).map { $0 < now } ?? false)
            return Self.feature(latitude: try row.decode(column: "latitude", as: Double.self), longitude: try row.decode(column: "longitude", as: Double.self),
                                properties: ["code": try row.decode(column: "code", as: String.self), "category": try row.decode(column: "category", as: String.self),
                                             "status": overdue ? "overdue" : (open ? "open" : "closed")])
        }
    }

    private func cells(_ query: MapQuery, on sql: any SQLDatabase) async throws -> [[String: Any]] {
        let size = query.cellSize
        // The cell is computed once in a subquery and grouped by name: PostgreSQL does not take two bound copies of the
        // same expression for one. Cells are whole multiples of the size (floor on both databases).
        let floor = sql.dialect.name == "postgresql" ? "FLOOR" : "CAST"
        let suffix = sql.dialect.name == "postgresql" ? "" : " AS INTEGER"
        let rows = try await sql.raw("""
            SELECT gy, gx, COUNT(*) AS reports, SUM(open_report) AS open_reports, AVG(latitude) AS latitude, AVG(longitude) AS longitude FROM (\
            SELECT \(unsafeRaw: floor)(latitude / \(bind: size)\(unsafeRaw: suffix)) AS gy, \(unsafeRaw: floor)(longitude / \(bind: size)\(unsafeRaw: suffix)) AS gx, \
            CASE WHEN is_open THEN 1 ELSE 0 END AS open_report, latitude, longitude FROM field_reports WHERE is_public = \(bind: true) \
            AND latitude BETWEEN \(bind: query.box.minLatitude) AND \(bind: query.box.maxLatitude) \
            AND longitude BETWEEN \(bind: query.box.minLongitude) AND \(bind: query.box.maxLongitude)\(query.filters)) AS cells GROUP BY gy, gx
            """).all()
        return try rows.map { row in
            Self.feature(latitude: try row.decode(column: "latitude", as: Double.self), longitude: try row.decode(column: "longitude", as: Double.self),
                         properties: ["count": try row.decode(column: "reports", as: Int.self), "open": try row.decode(column: "open_reports", as: Int.self)])
        }
    }

    static func feature(latitude: Double, longitude: Double, properties: [String: Any]) -> [String: Any] {
        // Six decimals are ten centimetres: enough for a street, and a third of the bytes of a full Double.
        let round = { (value: Double) in (value * 1_000_000).rounded() / 1_000_000 }
        return ["type": "Feature", "geometry": ["type": "Point", "coordinates": [round(longitude), round(latitude)]], "properties": properties]
    }

    static func boundaries(_ boundaries: UnitBoundaries?, names: [String: String]) throws -> Data {
        let features: [[String: Any]] = (boundaries?.areas ?? []).map { area in
            ["type": "Feature", "properties": ["unit": area.unit, "name": names[area.unit] ?? area.unit, "approximate": area.approximate],
             "geometry": ["type": "MultiPolygon",
                          "coordinates": area.polygons.map { rings in rings.map { ring in ring.map { [$0.longitude, $0.latitude] } } }]]
        }
        return try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features], options: [.sortedKeys])
    }

    func answer(_ entry: FeedCache.Entry, request: Request, maxAge: Int) async throws -> Response {
        let headers: HTTPFields = [.eTag: entry.etag, .cacheControl: "public, max-age=\(maxAge)"]
        if request.headers[.ifNoneMatch] == entry.etag { return Response(status: .notModified, headers: headers) }
        var all = headers
        all[.contentType] = "application/geo+json"
        return Response(status: .ok, headers: all, body: .init(byteBuffer: ByteBuffer(bytes: entry.body)))
    }
}

/// Answers of the map feed, each kept until it goes stale; bounded, so a crawler asking for every corner of the city
/// cannot grow it without end.
final class FeedCache: Sendable {
    struct Entry: Sendable {
        let body: Data
        let etag: String
        let made: Date
        let until: Date
        let generation: [UInt64]
    }

    static let capacity = 1_024
    private let entries = Mutex<[String: Entry]>([:])
    private let boundaryEntry = Mutex<Entry?>(nil)
    private let running = Mutex<[String: Task<Entry, any Error>]>([:])
    /// Bodies made so far (for tests: a crowd's misses on one view make one).
    let made = Atomic<Int>(0)

    /// Runs `make` once for everyone asking for `key` while it runs; it goes on even if the first asker goes away.
    func once(_ key: String, _ make: @escaping @Sendable () async throws -> Entry) async throws -> Entry {
        let (task, mine) = running.withLock { running -> (Task<Entry, any Error>, Bool) in
            if let task = running[key] { return (task, false) }
            let task = Task { [self] in
                made.add(1, ordering: .relaxed)
                return try await make()
            }
            running[key] = task
            return (task, true)
        }
        defer { if mine { running.withLock { _ = $0.removeValue(forKey: key) } } }
        return try await task.value
    }

    func entry(_ key: String, at now: Date, generation: [UInt64]) -> Entry? {
        entries.withLock { entries in
            entries[key].flatMap { $0.until > now && ($0.generation == generation || now.timeIntervalSince($0.made) < 2) ? $0 : nil }
        }
    }

    func store(_ key: String, body: Data, made: Date, until: Date, generation: [UInt64]) -> Entry {
        let entry = Entry(body: body, etag: "\"" + SHA256.hash(data: body).prefix(12).hexString + "\"", made: made, until: until, generation: generation)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries = entries.filter { $0.value.until > Date() } }
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[key] = entry
        }
        return entry
    }

    /// The boundaries never change while the server runs: made once.
    func boundaries(_ make: () throws -> Data) throws -> Entry {
        if let made = boundaryEntry.withLock({ $0 }) { return made }
        let body = try make()
        let entry = Entry(body: body, etag: "\"" + SHA256.hash(data: body).prefix(12).hexString + "\"", made: Date(), until: .distantFuture, generation: [])
        boundaryEntry.withLock { $0 = entry }
        return entry
    }
}
