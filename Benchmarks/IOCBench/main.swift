import App
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Platform
import Synchronization

/// Operations-centre benchmarks against a real HTTP server on loopback, signed in as the IOC operator:
/// 1. sensor readings ingested per second through batch upserts (`--gateways` concurrent gateways, 500 stations a
///    batch, four readings a station);
/// 2. one 2,000-entity batch upsert (eight thousand readings), timed 20 times;
/// 3. single-entity updates per second (`PATCH /entities/{id}/attrs`, `--concurrency` callers), then with wrk as the
///    client when it is installed;
/// 4. queries by type, by `q` and counts at `--entities` (default 100,000) stations, p50/p95 (`--number-index` declares
///    numeric indexes as `HUES_NGSI_NUMBER_INDEXES` does, `none` for none, to measure what they save on counts and
///    cost on writes; without it, the setting's defaults);
/// 5. the temporal API: a week of one sensor at minute resolution (10,080 readings), raw and hourly averages, p50/p99;
/// 6. live-stream fan-out: `--screens` (1,000) screens following the live figures, `--rounds` (20) report filings.
///
/// Usage: hues-ioc-bench [--database postgres://… --disposable | --sqlite PATH] [--entities 100000] [--seconds 10]
///        [--gateways 4] [--concurrency 8] [--query-callers 4] [--port 18411] [--screens 1000] [--rounds 20]
///        [--only fanout|ingest|batch|updates|queries|temporal] [--number-index AirQualityObserved=pm25~10,…|none]
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
let seconds = Double(option("--seconds") ?? "") ?? 10
let concurrency = Int(option("--concurrency") ?? "") ?? 8
let gateways = Int(option("--gateways") ?? "") ?? 4
let stations = Int(option("--entities") ?? "") ?? 100_000
let queryCallers = Int(option("--query-callers") ?? "") ?? 4
if option("--database") != nil, !arguments.contains("--disposable") {
    say("hues-ioc-bench writes a hundred thousand stations: name a database you can throw away, and say so with --disposable")
    exit(2)
}
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-ioc-bench-\(UUID().uuidString.prefix(8))").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let location: DatabaseLocation = option("--database").map { .postgres(url: $0) } ?? .sqlite(path: option("--sqlite") ?? folder + "/bench.sqlite")
var configuration = HuesConfiguration.testing(dataDirectory: folder, database: location)
configuration.logLevel = .error
configuration.host = "127.0.0.1"
let port = Int(option("--port") ?? "") ?? 18_411
configuration.port = port
configuration.publicBaseURL = "http://127.0.0.1:\(port)"
configuration.maxBodyBytes = 16 * 1024 * 1024
if let declared = option("--number-index") {
    let (indexes, problems) = SensorNumberIndex.read(["HUES_NGSI_NUMBER_INDEXES": declared])
    guard problems.isEmpty else { fatalError("--number-index: \(problems)") }
    configuration.ngsiNumberIndexes = indexes
}
let numberIndexes = configuration.ngsiNumberIndexes
// The fan-out's screens each come from their own address, as behind the city's reverse proxy.
configuration.trustedProxies = [IPNetwork(cidr: "127.0.0.1/32")].compactMap { $0 }
let runtime = try await HuesRuntime.make(configuration: configuration)
try await runtime.migrate()
_ = try await runtime.seedDemo(includingHistory: false)
let server = Task { try await buildApplication(runtime: runtime).runService(gracefulShutdownSignals: []) }
let base = "http://127.0.0.1:\(port)/ngsi-ld/v1"
let http = HTTPClient(eventLoopGroupProvider: .singleton)
for _ in 0..<100 {
    if (try? await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"), timeout: .seconds(1)))?.status == .ok { break }
    try await Task.sleep(for: .milliseconds(100))
}
var signIn = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/auth/token")
signIn.method = .POST
signIn.headers.add(name: "Content-Type", value: "application/json")
signIn.body = .bytes(ByteBuffer(string: #"{"username":"ioc","password":"demo-ioc-2026"}"#))
let tokenAnswer = try await http.execute(signIn, timeout: .seconds(30))
let tokenBody = try await tokenAnswer.body.collect(upTo: 1 << 20)
let token = (try JSONSerialization.jsonObject(with: Data(buffer: tokenBody)) as? [String: Any])?["access_token"] as? String ?? ""
if token.isEmpty {
    say("could not sign in as ioc")
    exit(1)
}
say("database: \(runtime.database.kind.rawValue), \(ProcessInfo.processInfo.activeProcessorCount) cores")

func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func figure(_ value: Double) -> String { String(format: "%.1f", value) }

/// Sends a request and returns its status, failing the run on anything the broker should not answer.
@Sendable func call(_ method: HTTPMethod, _ path: String, body: String? = nil, expect: Set<UInt> = [200, 201, 204]) async throws -> (UInt, ByteBuffer) {
    var request = HTTPClientRequest(url: base + path)
    request.method = method
    request.headers.add(name: "Authorization", value: "Bearer \(token)")
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await http.execute(request, timeout: .seconds(120))
    let answer = try await response.body.collect(upTo: 64 << 20)
    guard expect.contains(response.status.code) else {
        say("\(method) \(path): \(response.status.code) \(String(buffer: answer).prefix(300))")
        exit(1)
    }
    return (response.status.code, answer)
}

let screens = Int(option("--screens") ?? "") ?? 1000
if option("--only") == "fanout" {
    try await fanOut(screens: screens, rounds: Int(option("--rounds") ?? "") ?? 20)
    try await http.shutdown().get()
    server.cancel()
    _ = await server.result
    await runtime.database.shutdown()
    try? FileManager.default.removeItem(atPath: folder)
    exit(0)
}
// Load the stations first, then measure.
let loadStarted = Date()
for first in stride(from: 0, to: stations, by: 1000) {
    _ = try await call(.POST, "/entityOperations/upsert", body: batchJSON(first..<min(stations, first + 1000), minute: 0, seed: 0))
}
say("loaded \(stations) stations (\(stations * 4) readings) in \(figure(Date().timeIntervalSince(loadStarted))) s")
// `--only ingest|batch|updates|queries|temporal` runs one part after the load (to profile it alone).
let only = option("--only")
if only == nil || only == "ingest" { try await phase("ingest") { try await ingest() } }
if only == nil || only == "batch" { try await phase("batch") { try await largeBatch() } }
if only == nil || only == "updates" {
    try await phase("updates") { try await singleUpdates() }
    try await phase("updates with wrk") { try await singleUpdatesWithWrk() }
}
if only == nil || only == "queries" { try await phase("queries") { try await queries() } }
if only == nil || only == "temporal" { try await phase("temporal") { try await temporal() } }
if only == nil { try await phase("fan-out") { try await fanOut(screens: screens, rounds: Int(option("--rounds") ?? "") ?? 20) } }
try await http.shutdown().get()
server.cancel()
_ = await server.result
await runtime.database.shutdown()
try? FileManager.default.removeItem(atPath: folder)
