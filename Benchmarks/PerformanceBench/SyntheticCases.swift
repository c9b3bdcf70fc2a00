import Foundation
import Logging
import Platform
import SQLKit

/// A city's year of cases for the benchmark, from a fixed seed so runs compare: dossiers due in seven days and field
/// reports in three, most finished (some late), a few waiting on the applicant, ratings on some.
enum SyntheticCases {
    static let columns = "subject, kind, process, unit_code, received_at, due_at, paused, finished_at, on_time, channel, rating, category, reopened, last_seq, procedure, verified_at"

    static func load(perKind: Int, units: [String], calendar: WorkCalendar, into database: PlatformDatabase, logger: Logger) async throws {
        var random = SeededRandom(seed: 2026)
        let from = calendar.instant(CivilDate(year: 2026, month: 1, day: 1)!, secondsIntoDay: 0).timeIntervalSince1970
        let to = calendar.instant(CivilDate(year: 2026, month: 12, day: 1)!, secondsIntoDay: 0).timeIntervalSince1970
        let perStatement = 250, perTransaction = 20
        var index = 0
        while index < 2 * perKind {
            let batchEnd = min(index + perStatement * perTransaction, 2 * perKind)
            var statements: [SQLQueryString] = []
            var start = index
            while start < batchEnd {
                let end = min(start + perStatement, batchEnd)
                var values: [SQLQueryString] = []
                for number in start..<end {
                    values.append(row(number, perKind: perKind, units: units, from: from, to: to, random: &random))
                }
                statements.append("INSERT INTO performance_cases (\(unsafeRaw: columns)) VALUES " + values.joined(separator: ", "))
                start = end
            }
            let transaction = statements
            try await database.write(logger: logger) { db in
                guard let sql = db as? any SQLDatabase else { fatalError("not an SQL database") }
                for statement in transaction { try await sql.raw(statement).run() }
            }
            index = batchEnd
        }
    }

    static func row(_ number: Int, perKind: Int, units: [String], from: Double, to: Double, random: inout SeededRandom) -> SQLQueryString {
        let dossier = number < perKind
        let received = from + Double.random(in: 0..<(to - from), using: &random)
        let due = received + (dossier ? 7 : 3) * 86_400
        let finished = Double.random(in: 0..<1, using: &random) < 0.85
        let finishedAt = finished ? received + Double.random(in: 0.1..<1.3, using: &random) * (due - received) : nil
        let paused = !finished && Double.random(in: 0..<1, using: &random) < 0.05
        let rating = finished && Double.random(in: 0..<1, using: &random) < 0.4 ? Int.random(in: 1...5, using: &random) : nil
        let channel = dossier ? (Double.random(in: 0..<1, using: &random) < 0.6 ? "online" : "in-person")
            : ["app", "web", "hotline", "open311"].randomElement(using: &random) ?? "app"
        let category: String? = dossier ? nil : ["pothole", "garbage", "flooding", "lighting", "trees"].randomElement(using: &random)
        let unit = units[Int.random(in: 0..<units.count, using: &random)]
        let date = { (seconds: Double?) in seconds.map { Date(timeIntervalSince1970: $0) } }
        return """
            (\(bind: (dossier ? "dossier:bench-" : "field-report:bench-") + String(number)), \(bind: dossier ? "dossier" : "field-report"), \
            \(bind: dossier ? "one-stop" : "field-report"), \(bind: unit), \(bind: Date(timeIntervalSince1970: received)), \(bind: date(due)), \(bind: paused), \
            \(bind: date(finishedAt)), \(bind: finishedAt.map { $0 <= due }), \(bind: channel), \(bind: rating), \(bind: category), \
            \(bind: Int.random(in: 0..<100, using: &random) < 3 ? 1 : 0), \(bind: 0), \(bind: dossier ? "1.001193" : nil as String?), \
            \(bind: dossier ? nil : date(received + 3600)))
            """
    }

    /// New cases as the modules publish them: started, filed, finished: three events each. Returns the cases.
    static func appendEvents(count: Int, units: [String], into database: PlatformDatabase, logger: Logger) async throws -> Int {
        let cases = max(1, count / 3)
        let now = Date()
        let due = ISO8601DateFormatter().string(from: now.addingTimeInterval(7 * 86_400))
        for batch in stride(from: 0, to: cases, by: 300) {
            try await database.write(logger: logger) { db in
                for number in batch..<min(batch + 300, cases) {
                    let subject = "dossier:events-\(UUID().uuidString)"
                    let unit = units[number % units.count]
                    for event in [
                        DomainEvent(type: "workflow.started", unitCode: unit, subject: subject,
                                    rawPayload: #"{"competentUnit":"\#(unit)","due":"\#(due)","process":"one-stop","state":"received"}"#),
                        DomainEvent(type: "public-services.dossier.filed", unitCode: unit, subject: subject,
                                    rawPayload: #"{"channel":"online","procedure":"1.001193"}"#),
                        DomainEvent(type: "workflow.transitioned", unitCode: unit, subject: subject,
                                    rawPayload: #"{"competentUnit":"\#(unit)","finished":true,"onTime":true,"to":"returned"}"#),
                    ] { try await EventLog.append(event, on: db) }
                }
            }
        }
        return cases
    }

    /// One case started now: what a filing commits first.
    static func start(subject: String, unit: String, at: Date, into database: PlatformDatabase, logger: Logger) async throws {
        let due = ISO8601DateFormatter().string(from: at.addingTimeInterval(7 * 86_400))
        try await database.write(logger: logger) { db in
            try await EventLog.append(DomainEvent(type: "workflow.started", unitCode: unit, subject: subject,
                                                  rawPayload: #"{"competentUnit":"\#(unit)","due":"\#(due)","process":"one-stop","state":"received"}"#,
                                                  occurredAt: at), on: db)
        }
    }
}
