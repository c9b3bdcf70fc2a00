import App
import FluentKit
import Foundation
import Identity
import Logging
import Platform
import PublicServices
import SQLKit
import Workflow

/// Dossier benchmarks, in process (no HTTP): deadline computations per second, counter filings per second, and the
/// officer queue's latency with many dossiers in the database.
///
/// Usage: hues-dossier-bench [--database postgres://… | --sqlite PATH] [--dossiers 1000000] [--seconds 10] [--concurrency 8]
/// Without either it uses a fresh SQLite file in a temporary folder, removed at the end. A database named with
/// --database or --sqlite is kept, and a later run that finds the synthetic dossiers there skips loading them.
/// Writes a line at once (print is block-buffered into a file), so progress shows while the bench runs.
func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
let seconds = Double(option("--seconds") ?? "") ?? 10
let concurrency = Int(option("--concurrency") ?? "") ?? 8
let population = Int(option("--dossiers") ?? "") ?? 1_000_000
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-dossier-bench-\(UUID().uuidString.prefix(8))").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let keptSQLite = option("--sqlite")
let location: DatabaseLocation = option("--database").map { .postgres(url: $0) } ?? .sqlite(path: keptSQLite ?? folder + "/bench.sqlite")
var configuration = HuesConfiguration.testing(dataDirectory: folder, database: location)
configuration.logLevel = .error
let runtime = try await HuesRuntime.make(configuration: configuration)
try await runtime.migrate()
_ = try await runtime.seedDemo(includingHistory: false)
let logger = Logger(label: "bench")
let calendar = runtime.profile.calendar
say("database: \(runtime.database.kind.rawValue), \(ProcessInfo.processInfo.activeProcessorCount) cores")

func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

// 1. Deadlines: a mix of rules over random moments across the three calendar years, one core.
do {
    var generator = SystemRandomNumberGenerator()
    let start = calendar.instant(CivilDate(year: 2025, month: 1, day: 1)!, secondsIntoDay: 0).timeIntervalSince1970
    let rules: [DeadlineRule] = [.workingDays(0), .workingDays(3), .workingDays(15), .workingHours(8), .calendarDays(30)]
    let moments = (0..<10_000).map { _ in Date(timeIntervalSince1970: start + Double.random(in: 0..<(2.5 * 365 * 86_400), using: &generator)) }
    var checksum = 0.0
    let count = 500_000
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for index in 0..<count {
            checksum += calendar.due(rules[index % rules.count], receivedAt: moments[index % moments.count], cutOff: index % 2 == 0 ? LocalTime("15:00") : nil)
                .timeIntervalSince1970
        }
    }
    let secondsTaken = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    say(String(format: "deadline computations: %.0f per second (one core, %d mixed rules; checksum %.0f)", Double(count) / secondsTaken, count, checksum))
}

// 2. Filings at the counter (no attachments), `concurrency` officers at once.
guard let officerAccount = try await runtime.identity.accounts.find(username: "officer", logger: logger) else { fatalError("no demo officer") }
let officer = Principal(accountID: officerAccount.id.uuidString, username: "officer", displayName: officerAccount.displayName,
                        grants: officerAccount.roles, credential: .accessToken)
let filing = NewDossier(procedure: "2.000884", receivingUnit: "phuong-phu-xuan", applicant: ApplicantDetails(name: "Nguyễn Văn Bench"),
                        form: ["documentTitle": "Giấy ủy quyền"])
let deadline = Date().addingTimeInterval(seconds)
let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
    for _ in 0..<concurrency {
        group.addTask {
            var samples: [Double] = []
            while Date() < deadline {
                let started = Date()
                _ = try await (try runtime.require(PublicServicesModule.self)).dossiers.fileDossier(filing, by: officer, atCounter: true, logger: logger)
                samples.append(Date().timeIntervalSince(started) * 1000)
            }
            return samples
        }
    }
    var all: [Double] = []
    for try await samples in group { all += samples }
    return all
}
say(String(format: "counter filings: %.0f dossiers/s over %.0f s with %d concurrent officers (p50 %.1f ms, p99 %.1f ms); each is one transaction: code, case, receipt step, dossier row, 3 events",
             Double(latencies.count) / seconds, seconds, concurrency, percentile(latencies, 0.5), percentile(latencies, 0.99)))

// `--writes-only` stops after the write measurements (the write-path figures in the README).
if CommandLine.arguments.contains("--writes-only") {
    await runtime.database.shutdown()
    exit(0)
}

// 3. The officer queue with `population` dossiers: load synthetic cases in bulk (9 in 10 finished, the rest open
// across every ward and commune), then time the queue as an officer opens it.
let units = runtime.profile.units.filter { $0.kind == .ward || $0.kind == .commune }.map(\.code)
let definition = try (try runtime.require(WorkflowModule.self)).store.definition("one-stop")
let engine = (try runtime.require(WorkflowModule.self)).store.engine
let encoder = JSONEncoder()
encoder.outputFormatting = .sortedKeys
let sql = try runtime.database.sql(logger: logger)
let loadStarted = Date()
let present = try await sql.raw("SELECT COUNT(*) AS n FROM dossiers WHERE code LIKE 'BEN.%'").first()?.decode(column: "n", as: Int.self) ?? 0
var loaded = present >= population ? population : 0
if present > 0, present < population {
    try await sql.raw("DELETE FROM dossiers WHERE code LIKE 'BEN.%'").run().get()
    try await sql.raw("DELETE FROM workflow_instances WHERE subject LIKE 'dossier:BEN.%'").run().get()
}
if loaded > 0 { say("reusing \(present) synthetic dossiers already in the database") }
let openStates = ["received", "processing", "awaiting-supplement", "awaiting-approval"]
while loaded < population {
    let batch = min(2000, population - loaded)
    let first = loaded
    try await runtime.database.write(logger: logger) { db in
        guard let sql = db as? any SQLDatabase else { return }
        var instanceRows: [SQLQueryString] = []
        var dossierRows: [SQLQueryString] = []
        for offset in 0..<batch {
            let n = first + offset
            let unit = units[n % units.count]
            let id = UUID()
            let filed = Date().addingTimeInterval(-Double(n % 400) * 86_400 / 3 - 3600)
            let code = String(format: "BEN.CH.%02d.H57-%06d-%04d", n % 97, n / 10_000, n % 10_000)
            var instance = engine.start(definition, id: id, subject: "dossier:\(code)", unit: unit, competentUnit: unit, deadline: .workingDays(n % 16),
                                        at: filed)
            let open = n % 10 == 0
            instance.state = open ? openStates[(n / 10) % openStates.count] : "returned"
            instance.clock = DeadlineClock(rule: instance.deadlineRule, receivedAt: filed, calendar: calendar)
            instance.officerID = open && n % 3 == 0 ? nil : "officer-\(n % 7)"
            if !open { instance.finishedAt = filed.addingTimeInterval(86_400); instance.onTime = n % 13 != 0 }
            let holder = instance.holder(in: definition)
            let data = String(decoding: try encoder.encode(instance), as: UTF8.self)
            instanceRows.append("(\(bind: id), \(bind: "one-stop"), \(bind: instance.subject), \(bind: "dossier"), \(bind: instance.state), \(bind: unit), \(bind: instance.officerID), \(bind: open), \(bind: holder.rawValue), \(bind: instance.effectiveDue), 0, 1, \(bind: data), \(bind: filed))")
            dossierRows.append("(\(bind: id), \(bind: code), '2.000884', 1, 'Chứng thực chữ ký', NULL, \(bind: "Người nộp \(n)"), 1, \(bind: unit), \(bind: unit), '{}', \(bind: instance.state), \(bind: filed), \(bind: filed))")
        }
        try await sql.raw("""
            INSERT INTO workflow_instances (id, process, subject, kind, state, unit_code, officer_id, is_open, holder, due_at, escalation_level, version, data, updated_at)
            VALUES \(instanceRows.joined(separator: ", "))
            """).run()
        try await sql.raw("""
            INSERT INTO dossiers (id, code, procedure_code, procedure_version, procedure_name, applicant_id, applicant_name, channel, receiving_unit, competent_unit, form_data, state, created_at, updated_at)
            VALUES \(dossierRows.joined(separator: ", "))
            """).run()
    }
    loaded += batch
    if loaded % 100_000 == 0 { say("  loaded \(loaded) dossiers (\(Int(Date().timeIntervalSince(loadStarted))) s)") }
}
// Fresh statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would gather in a running city.
try await sql.raw("ANALYZE").run().get()
say("loaded \(population) synthetic dossiers in \(Int(Date().timeIntervalSince(loadStarted))) s")

let leader = try await runtime.identity.accounts.find(username: "leader", logger: logger)
var queueSamples: [Double] = []
var byKind: [String: [Double]] = [:]
let filters: [QueueFilter] = [.open, .overdue, .dueSoon, .waitingForApplicant, .unassigned]
for index in 0..<2000 {
    let unit = units[index % units.count]
    let staff = Principal(accountID: "officer-\(index % 7)", username: "bench", displayName: "bench",
                          grants: [RoleGrant(role: .officer, unitCode: unit)], credential: .accessToken)
    let started = Date()
    let queue = try await (try runtime.require(PublicServicesModule.self)).dossiers.queue(unit: unit, filter: filters[index % filters.count], mine: index % 4 == 0, for: staff,
                                                                logger: logger)
    let millis = Date().timeIntervalSince(started) * 1000
    queueSamples.append(millis)
    byKind["\(filters[index % filters.count].rawValue)\(index % 4 == 0 ? " (mine)" : "")", default: []].append(millis)
    if index == 0, queue.dossiers.isEmpty { say("warning: the first queue came back empty") }
}
_ = leader
for (kind, samples) in byKind.sorted(by: { $0.key < $1.key }) {
    say(String(format: "  %-32@ p50 %.2f ms, p99 %.2f ms", kind as NSString, percentile(samples, 0.5), percentile(samples, 0.99)))
}
say(String(format: "officer queue with %d dossiers: p50 %.2f ms, p99 %.2f ms over %d queries (target p99 < 20 ms)", population + latencies.count,
             percentile(queueSamples, 0.5), percentile(queueSamples, 0.99), queueSamples.count))
await runtime.database.shutdown()
if option("--database") == nil, keptSQLite == nil { try? FileManager.default.removeItem(atPath: folder) }
