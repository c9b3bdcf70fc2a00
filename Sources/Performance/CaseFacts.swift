import FluentKit
import Foundation
import Platform
import SQLKit

/// One case (a dossier or a field report's case) as the figures see it, kept up to date from the event log:
/// where it is handled, when it came in, when it is due, when and whether on time it finished, how it came in and
/// how its applicant rated it. The performance module's only table; no other module's table is ever read.
public struct CaseFact: Sendable, Equatable, Codable {
    public var subject: String
    /// `dossier` or `field-report` (the subject's prefix).
    public var kind: String
    public var process: String
    public var unitCode: String
    public var receivedAt: Date
    public var dueAt: Date?
    /// Waiting on the applicant (a supplement asked for, a fee to pay): the deadline does not run meanwhile.
    public var paused: Bool
    public var finishedAt: Date?
    public var onTime: Bool?
    /// `online`, `in-person`, `postal` for dossiers; `app`, `web`, `hotline`, `open311`, `camera` for reports.
    public var channel: String?
    /// 1–5, the applicant's or reporter's rating.
    public var rating: Int?
    /// A field report's category (`pothole`, `flooding`…); nil for dossiers.
    public var category: String?
    /// How many times a finished case was taken up again (a reporter saying "not fixed").
    public var reopened: Int
    /// The last event applied to this case: where a figure's explanation starts.
    public var lastSeq: Int
    /// A dossier's procedure code (`1.001193`); nil for reports, and for dossiers filed before it was recorded.
    public var procedure: String? = nil
    /// When the operations centre confirmed a report (the `verified` milestone of its process).
    public var verifiedAt: Date? = nil

    /// What a step on this case weighs in standard units: a dossier's procedure, a report's category.
    var workKind: String? { procedure ?? category }
}

struct CreatePerformanceTables: AsyncMigration {
    var name: String { "performance.cases.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("performance_cases")
            .field("subject", .string, .identifier(auto: false))
            .field("kind", .string, .required)
            .field("process", .string, .required)
            .field("unit_code", .string, .required)
            .field("received_at", .datetime, .required)
            .field("due_at", .datetime)
            .field("paused", .bool, .required)
            .field("finished_at", .datetime)
            .field("on_time", .bool)
            .field("channel", .string)
            .field("rating", .int)
            .field("category", .string)
            .field("reopened", .int, .required)
            .field("last_seq", .int, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "performance_cases_unit_received").on("performance_cases").column("unit_code").column("received_at").run()
        // The city's scorecard reads a period across every unit.
        try await sql.create(index: "performance_cases_received").on("performance_cases").column("received_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("performance_cases").delete()
    }
}

/// Reads and writes of `performance_cases`, in plain SQL.
enum CaseFacts {
    static let columns = "subject, kind, process, unit_code, received_at, due_at, paused, finished_at, on_time, channel, rating, category, reopened, last_seq, procedure, verified_at"

    /// The known cases among `subjects`, by subject, read a thousand at a time (a unit's year of work names more
    /// cases than either database binds in one statement).
    static func find(_ subjects: Set<String>, on sql: any SQLDatabase) async throws -> [String: CaseFact] {
        let all = Array(subjects)
        var found: [String: CaseFact] = [:]
        for start in stride(from: 0, to: all.count, by: 1000) {
            let part = Array(all[start..<min(start + 1000, all.count)])
            for row in try await sql.raw("SELECT \(unsafeRaw: columns) FROM performance_cases WHERE subject IN (\(binds: part))").all() {
                let fact = try fact(row)
                found[fact.subject] = fact
            }
        }
        return found
    }

    static func save(_ fact: CaseFact, isNew: Bool, on sql: any SQLDatabase) async throws {
        if isNew {
            try await sql.raw("""
                INSERT INTO performance_cases (\(unsafeRaw: columns)) VALUES (\(bind: fact.subject), \(bind: fact.kind), \(bind: fact.process), \
                \(bind: fact.unitCode), \(bind: fact.receivedAt), \(bind: fact.dueAt), \(bind: fact.paused), \(bind: fact.finishedAt), \(bind: fact.onTime), \
                \(bind: fact.channel), \(bind: fact.rating), \(bind: fact.category), \(bind: fact.reopened), \(bind: fact.lastSeq), \(bind: fact.procedure), \(bind: fact.verifiedAt))
                """).run()
        } else {
            try await sql.raw("""
                UPDATE performance_cases SET unit_code = \(bind: fact.unitCode), due_at = \(bind: fact.dueAt), paused = \(bind: fact.paused), \
                finished_at = \(bind: fact.finishedAt), \
                on_time = \(bind: fact.onTime), channel = \(bind: fact.channel), rating = \(bind: fact.rating), category = \(bind: fact.category), \
                reopened = \(bind: fact.reopened), last_seq = \(bind: fact.lastSeq), procedure = \(bind: fact.procedure), verified_at = \(bind: fact.verifiedAt) \
                WHERE subject = \(bind: fact.subject)
                """).run()
        }
    }

    /// Cases received in `[from, to)`, in one unit or the whole city (or the units of a level), of one kind or all.
    /// With `after` and `limit`: a page by subject instead, the subjects after `after`.
    static func received(from: Date, to: Date, unit: String?, units: Set<String>? = nil, kind: String? = nil,
                         page: (after: String, limit: Int)? = nil, on sql: any SQLDatabase) async throws -> [CaseFact] {
        // A level with no unit in this city has no cases (and `IN ()` is not SQL on PostgreSQL).
        if units?.isEmpty == true { return [] }
        var filters: SQLQueryString = "received_at >= \(bind: from) AND received_at < \(bind: to)"
        if let unit { filters = filters + " AND unit_code = \(bind: unit)" }
        if let units { filters = filters + " AND unit_code IN (\(binds: units.sorted()))" }
        if let kind { filters = filters + " AND kind = \(bind: kind)" }
        guard let page else {
            return try await sql.raw("SELECT \(unsafeRaw: columns) FROM performance_cases WHERE \(filters) ORDER BY received_at, subject").all().map(fact)
        }
        return try await sql.raw("""
            SELECT \(unsafeRaw: columns) FROM performance_cases WHERE \(filters) AND subject > \(bind: page.after) ORDER BY subject LIMIT \(unsafeRaw: String(page.limit))
            """).all().map(fact)
    }

    static func all(on sql: any SQLDatabase) async throws -> [CaseFact] {
        try await sql.raw("SELECT \(unsafeRaw: columns) FROM performance_cases ORDER BY subject").all().map(fact)
    }

    static func deleteAll(on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM performance_cases").run()
    }

    private static func fact(_ row: any SQLRow) throws -> CaseFact {
        CaseFact(subject: try row.decode(column: "subject", as: String.self), kind: try row.decode(column: "kind", as: String.self),
                 process: try row.decode(column: "process", as: String.self), unitCode: try row.decode(column: "unit_code", as: String.self),
                 receivedAt: try row.decode(column: "received_at", as: Date.self), dueAt: try row.decode(column: "due_at", as: Date?.self),
                 paused: try row.decode(column: "paused", as: Bool.self),
                 finishedAt: try row.decode(column: "finished_at", as: Date?.self), onTime: try row.decode(column: "on_time", as: Bool?.self),
                 channel: try row.decode(column: "channel", as: String?.self), rating: try row.decode(column: "rating", as: Int?.self),
                 category: try row.decode(column: "category", as: String?.self), reopened: try row.decode(column: "reopened", as: Int.self),
                 lastSeq: try row.decode(column: "last_seq", as: Int.self), procedure: try row.decode(column: "procedure", as: String?.self),
                 verifiedAt: try row.decode(column: "verified_at", as: Date?.self))
    }
}
