import App
import AsyncHTTPClient
import FieldReports
import Foundation
import Hummingbird
import Logging
import NIOCore
import Platform
import SQLKit
import Synchronization

/// Field-report benchmarks against a real HTTP server on loopback:
/// 1. Open311 POST requests per second (urlencoded, api_key, routing, clustering check, workflow start, event log);
/// 2. the nearby-duplicate query at 100,000 and at 1,000,000 reports (p50/p99 of 2,000 queries at random points),
///    with the same open backlog at both sizes (`--open`, default 10,000: a city's open reports are its current
///    workload, not a share of its history; `--open-share 0.1` makes a tenth of all reports open instead);
/// 3. the public map-and-list page at each size.
///
/// Usage: hues-field-report-bench [--database postgres://… | --sqlite PATH] [--reports 1000000] [--seconds 10] [--concurrency 8] [--posts-only] [--port 18311]
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
let seconds = Double(option("--seconds") ?? "") ?? 10
let concurrency = Int(option("--concurrency") ?? "") ?? 8
let largest = Int(option("--reports") ?? "") ?? 1_000_000
let openBacklog = Int(option("--open") ?? "") ?? 10_000
let openShare = Double(option("--open-share") ?? "")
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-report-bench-\(UUID().uuidString.prefix(8))").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let location: DatabaseLocation = option("--database").map { .postgres(url: $0) } ?? .sqlite(path: option("--sqlite") ?? folder + "/bench.sqlite")
var configuration = HuesConfiguration.testing(dataDirectory: folder, database: location)
configuration.logLevel = .error
configuration.host = "127.0.0.1"
let port = Int(option("--port") ?? "") ?? 18_311
configuration.port = port
configuration.publicBaseURL = "http://127.0.0.1:\(port)"
let runtime = try await HuesRuntime.make(configuration: configuration)
try await runtime.migrate()
_ = try await runtime.seedDemo(includingHistory: false)
let logger = Logger(label: "bench")
let reports = try runtime.require(FieldReportsModule.self).reports
let server = Task { try await buildApplication(runtime: runtime).runService(gracefulShutdownSignals: []) }
let base = "http://127.0.0.1:\(port)"
let http = HTTPClient(eventLoopGroupProvider: .singleton)
for _ in 0..<100 {
    if (try? await http.execute(HTTPClientRequest(url: base + "/health"), timeout: .seconds(1)))?.status == .ok { break }
    try await Task.sleep(for: .milliseconds(100))
}
say("database: \(runtime.database.kind.rawValue), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(concurrency) concurrent callers, "
    + (openShare.map { "\(Int($0 * 100)) % of reports open" } ?? "\(openBacklog) open reports"))

func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { current in defer { current += 1 }; return current } }
}

/// Runs `work` from `concurrency` callers for `seconds`; returns latencies in ms.
func measure(_ work: @escaping @Sendable (Int) async throws -> Void) async throws -> (count: Int, samples: [Double]) {
    let deadline = Date().addingTimeInterval(seconds)
    let next = Counter()
    return try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var samples: [Double] = []
                while Date() < deadline {
                    let index = next.increment()
                    let started = Date()
                    try await work(index)
                    samples.append(Date().timeIntervalSince(started) * 1000)
                }
                return samples
            }
        }
        var all: [Double] = []
        for try await samples in group { all += samples }
        return (all.count, all)
    }
}

// 1. Open311 POST: each request a different point in the city centre, far enough apart not to cluster.
let key = try await (try runtime.require(FieldReportsModule.self)).clients.create(name: "bench", by: "bench", logger: logger).apiKey
let categories = ["garbage", "encroachment", "water-supply", "traffic-signal"]
let posts = try await measure { index in
    let latitude = 16.42 + Double(index % 400) * 0.0003, longitude = 107.54 + Double(index / 400 % 400) * 0.0003
    var request = HTTPClientRequest(url: base + "/open311/v2/requests.json")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
    let body = "api_key=\(key)&service_code=\(categories[index % categories.count])&lat=\(latitude)&long=\(longitude)&description=Bench+\(index)"
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await http.execute(request, timeout: .seconds(30))
    guard response.status == .created else {
        let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
        fatalError("POST answered \(response.status): \(text)")
    }
    _ = try await response.body.collect(upTo: 1 << 16)
}
say(String(format: "Open311 POST requests.json: %.0f/s (p50 %.1f ms, p99 %.1f ms)", Double(posts.count) / seconds, percentile(posts.samples, 0.5),
           percentile(posts.samples, 0.99)))

// 2–3. Synthetic history in bulk: 90 % in the urban core, the rest over the whole city; the first `openBacklog`
// reports (or a share of all of them) still open.
let sql = try runtime.database.sql(logger: logger)
let codes = reports.settings.categories.map(\.code)
func randomPoint() -> GeoPoint {
    if Double.random(in: 0..<1) < 0.9 {
        return GeoPoint(latitude: Double.random(in: 16.40..<16.56), longitude: Double.random(in: 107.50..<107.68))
    }
    return GeoPoint(latitude: Double.random(in: 16.0..<16.7), longitude: Double.random(in: 107.2..<108.0))
}
func count() async throws -> Int {
    try await sql.raw("SELECT COUNT(*) AS n FROM field_reports").first()?.decode(column: "n", as: Int.self) ?? 0
}
func load(upTo target: Int) async throws {
    var loaded = try await count()
    let started = Date()
    let yearAgo = Date().addingTimeInterval(-365 * 86_400)
    while loaded < target {
        let batch = min(1000, target - loaded)
        let first = loaded
        var rows: [[any SQLExpression]] = []
        for offset in 0..<batch {
            let index = first + offset
            let point = randomPoint()
            let open = openShare.map { Double(index % 1000) < $0 * 1000 } ?? (index < openBacklog)
            let at = yearAgo.addingTimeInterval(Double(index % 365_000) / 1000 * 86_400)
            rows.append([SQLBind(UUID()), SQLBind("PA-BENCH-\(index)"), SQLBind(codes[index % codes.count]), SQLBind("Phản ánh tổng hợp \(index)"),
                         SQLBind(point.latitude), SQLBind(point.longitude), SQLBind(GridCell.of(point)), SQLBind("phuong-phu-xuan"),
                         SQLBind(open ? "in-progress" : "closed"), SQLBind(open), SQLBind(true), SQLBind("app"), SQLBind(false), SQLBind(0), SQLBind("{}"),
                         SQLBind(at), SQLBind(at)])
        }
        let prepared = rows
        try await runtime.database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { return }
            var insert = sql.insert(into: "field_reports").columns("id", "code", "category", "description", "latitude", "longitude", "cell", "unit_code",
                                                                  "state", "is_open", "is_public", "channel", "anonymous", "supports", "attributes",
                                                                  "requested_at", "updated_at")
            for row in prepared { insert = insert.values(row) }
            try await insert.run()
        }
        loaded += batch
        if loaded % 100_000 == 0 { say("  loaded \(loaded) reports (\(Int(Date().timeIntervalSince(started))) s)") }
    }
    if sql.dialect.name == "postgresql" { try await sql.raw("ANALYZE field_reports").run() } else { try await sql.raw("ANALYZE").run() }
}

func nearbyAndPage(at size: Int) async throws {
    var nearby: [Double] = []
    var found = 0
    for index in 0..<2000 {
        let point = randomPoint()
        let started = Date()
        found += try await reports.nearby(category: codes[index % codes.count], at: point, logger: logger).count
        nearby.append(Date().timeIntervalSince(started) * 1000)
    }
    say(String(format: "nearby duplicates at %d reports, 2000 queries: p50 %.3f ms, p99 %.3f ms (%.2f open matches per query)", size,
               percentile(nearby, 0.5), percentile(nearby, 0.99), Double(found) / 2000))
    var page: [Double] = []
    for index in 0..<50 {
        let started = Date()
        let response = try await http.execute(HTTPClientRequest(url: base + "/reports?page=\(index % 5 + 1)"), timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 16 << 20)
        precondition(response.status == .ok)
        page.append(Date().timeIntervalSince(started) * 1000)
    }
    var list: [Double] = []
    for index in 0..<200 {
        let started = Date()
        let response = try await http.execute(HTTPClientRequest(url: base + "/api/v1/field-reports?page=\(index % 20 + 1)&page_size=50"), timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 16 << 20)
        precondition(response.status == .ok)
        list.append(Date().timeIntervalSince(started) * 1000)
    }
    say(String(format: "public page /reports at %d reports (map, list, unit figures), 50 loads: p50 %.0f ms, p99 %.0f ms; list API page of 50: p50 %.1f ms, p99 %.1f ms",
               size, percentile(page, 0.5), percentile(page, 0.99), percentile(list, 0.5), percentile(list, 0.99)))
}

// `--posts-only` stops after the write measurement (the write-path figures in the README).
for size in [100_000, largest] where size <= largest && !arguments.contains("--posts-only") {
    try await load(upTo: size)
    try await nearbyAndPage(at: size)
}
try await http.shutdown().get()
server.cancel()
await runtime.database.shutdown()
if option("--sqlite") == nil && option("--database") == nil { try? FileManager.default.removeItem(atPath: folder) }
