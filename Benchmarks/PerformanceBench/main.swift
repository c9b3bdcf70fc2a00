import App
import FluentKit
import Foundation
import Logging
import Performance
import Platform
import SQLKit

/// Governing-by-data benchmarks, in process: the city's Decision 766 scorecard for a month over a million dossiers and
/// a million field reports in the projection, the cost of keeping the projection up to date per event, a rebuild
/// from scratch, and how soon a new event shows on a scorecard with the background projection running.
///
/// Usage: hues-performance-bench [--database postgres://… | --sqlite PATH] [--cases 1000000] [--events 20000] [--runs 15]
/// `--cases` is per kind (dossiers, then as many reports). A database named with --database or --sqlite is kept, and a
/// later run that finds the synthetic cases there skips loading them. The bench appends events to that database's
/// log and rebuilds its projection, so a named database must be a scratch one, said with --disposable.
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
let perKind = Int(option("--cases") ?? "") ?? 1_000_000
let eventCount = Int(option("--events") ?? "") ?? 20_000
let runs = Int(option("--runs") ?? "") ?? 15
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-performance-bench-\(UUID().uuidString.prefix(8))").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
guard option("--database") == nil && option("--sqlite") == nil || arguments.contains("--disposable") else {
    say("the bench appends events to the database's log and rebuilds its projection: name a scratch database and add --disposable")
    exit(2)
}
let location: DatabaseLocation = option("--database").map { .postgres(url: $0) } ?? .sqlite(path: option("--sqlite") ?? folder + "/bench.sqlite")
var configuration = HuesConfiguration.testing(dataDirectory: folder, database: location)
configuration.logLevel = .error
let runtime = try await HuesRuntime.make(configuration: configuration)
try await runtime.migrate()
let logger = Logger(label: "bench")
let performance = try runtime.require(PerformanceModule.self)
let sql = try runtime.database.sql(logger: logger)
let calendar = runtime.profile.calendar
let units = runtime.profile.units.map(\.code)
guard !units.isEmpty else { fatalError("the city profile has no units") }
say("database: \(runtime.database.kind.rawValue), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(units.count) units")

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func summary(_ samples: [Double]) -> String {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return "no samples" }
    let p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
    return String(format: "median %.1f ms, p95 %.1f ms, max %.1f ms (%d runs)", sorted[sorted.count / 2], p95, sorted.last ?? 0, sorted.count)
}

// 1. The projection: a year of cases (2026 to the end of November), spread over the city's units, as the projection
//    keeps them. Loaded directly into its table (a million cases' events would take the projection itself ~20 minutes;
//    its own rate is measured below).
let present = try await sql.raw("SELECT COUNT(*) AS n FROM performance_cases WHERE subject LIKE '%:bench-%'").first()?.decode(column: "n", as: Int.self) ?? 0
if present < 2 * perKind {
    try await sql.raw("DELETE FROM performance_cases WHERE subject LIKE '%:bench-%'").run().get()
    let clock = ContinuousClock()
    let loading = try await clock.measure { try await SyntheticCases.load(perKind: perKind, units: units, calendar: calendar, into: runtime.database, logger: logger) }
    say(String(format: "loaded %d dossiers and %d field reports into the projection in %.1f s", perKind, perKind, milliseconds(loading) / 1000))
} else {
    say("found \(present) synthetic cases; not loading again")
}

// 2. Scorecards read from the projection.
func measure(_ label: String, _ body: () async throws -> String) async throws {
    var samples: [Double] = []
    var detail = ""
    let clock = ContinuousClock()
    for _ in 0..<runs { samples.append(milliseconds(try await clock.measure { detail = try await body() })) }
    say("\(label): \(summary(samples)); \(detail)")
}

let november = ReportingPeriod("2026-11")!
let year = ReportingPeriod("2026")!
let ward = units.first { $0 == "phuong-phu-xuan" } ?? units[0]
func cases(_ card: Scorecard) -> String {
    card.lines.filter { $0.indicator.code == "766-2.1" || $0.indicator.code == "766-5.2" }
        .map { "\($0.indicator.code) \($0.numerator ?? 0)/\($0.denominator ?? 0)" }.joined(separator: ", ") + String(format: ", %.2f of %.0f points", card.points, card.pointsPossible)
}
try await measure("city scorecard, November 2026") { cases(try await performance.scorecard(unit: nil, period: november, logger: logger)) }
try await measure("city scorecard, the year 2026") { cases(try await performance.scorecard(unit: nil, period: year, logger: logger)) }
try await measure("one ward's scorecard, November 2026") { cases(try await performance.scorecard(unit: ward, period: november, logger: logger)) }
try await measure("city field-report figures, November 2026 (cases read one by one)") {
    let figures = try await performance.fieldReportFigures(unit: nil, period: november, logger: logger)
    return "\(figures.rows.count) rows, \(figures.ranking.count) units ranked"
}

// 3. Keeping up: events appended to the log, then applied by the projection (each batch one durable transaction).
let appended = try await SyntheticCases.appendEvents(count: eventCount, units: units, into: runtime.database, logger: logger)
do {
    let clock = ContinuousClock()
    var applied = 0
    let took = try await clock.measure { applied = try await performance.projection.catchUp(logger: logger) }
    say(String(format: "incremental: %d events (%d new cases) applied in %.2f s: %.0f events/s, %.0f µs per event",
               applied, appended, milliseconds(took) / 1000, Double(applied) / (milliseconds(took) / 1000), milliseconds(took) * 1000 / Double(max(applied, 1))))
}

// 4. Freshness: the background projection running as the server runs it; one event committed at a time, then the
//    ward's scorecard read until it shows it.
do {
    let worker = BackgroundWorker(work: performance.backgroundWork, leases: WorkLeases(database: runtime.database, holder: "bench"), logger: logger)
    let running = Task { try await worker.run() }
    try await Task.sleep(for: .seconds(1))
    let now = Date()
    let month = ReportingPeriod.month(of: now, calendar: calendar)
    var samples: [Double] = []
    for trial in 0..<20 {
        let before = try await performance.scorecard(unit: ward, period: month, logger: logger).lines.first { $0.indicator.code == "766-2.1" }?.denominator ?? 0
        let committed = ContinuousClock.now
        try await SyntheticCases.start(subject: "dossier:fresh-\(UUID().uuidString)", unit: ward, at: Date(), into: runtime.database, logger: logger)
        while true {
            let seen = try await performance.scorecard(unit: ward, period: month, logger: logger).lines.first { $0.indicator.code == "766-2.1" }?.denominator ?? 0
            if seen > before { break }
            guard ContinuousClock.now - committed < .seconds(30) else { fatalError("trial \(trial): the event never showed") }
            try await Task.sleep(for: .milliseconds(5))
        }
        samples.append(milliseconds(ContinuousClock.now - committed))
        try await Task.sleep(for: .milliseconds(200))
    }
    say("freshness, from an event's commit to the ward's scorecard showing it: \(summary(samples))")
    running.cancel()
    _ = await running.result
}

// 5. A rebuild from scratch of everything in the log: first with the loaded cases to delete (they have no events, so
//    they go), then again, which is the replay alone.
for label in ["rebuild from scratch (deleting the loaded cases first)", "rebuild from scratch again (the replay alone)"] {
    let clock = ContinuousClock()
    var applied = 0
    let took = try await clock.measure { applied = try await performance.projection.rebuild(logger: logger) }
    say("\(label): " + String(format: "%d events in %.2f s, %.0f events/s", applied, milliseconds(took) / 1000, Double(applied) / (milliseconds(took) / 1000)))
}
if option("--sqlite") == nil && option("--database") == nil { try? FileManager.default.removeItem(atPath: folder) }
