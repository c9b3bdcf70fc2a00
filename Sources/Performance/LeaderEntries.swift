import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// The 30-point general part of one person's grade for a period, as their leader entered it.
public struct Assessment: Sendable, Codable, Equatable {
    public var officerID: String
    public var unitCode: String
    public var period: String
    public var generalPoints: Double
    /// A disqualifying case (discipline, say): Not completed whatever the points.
    public var disqualified: Bool
    public var note: String
    public var enteredBy: String
    public var enteredAt: Date
}

/// What a leader sends to enter a general part.
struct AssessmentInput: ValidatedInput {
    var unit: String
    var period: String
    var generalPoints: Double
    var disqualified: Bool?
    var note: String?

    func validate() -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        if !(0...OfficerScoring.generalPoints).contains(generalPoints) { errors.append(.init(field: "generalPoints", message: "must be from 0 to 30")) }
        if ReportingPeriod(period) == nil { errors.append(.init(field: "period", message: "must be a year, a quarter, a month or a span of days")) }
        if unit.isEmpty || unit.utf8.count > 64 { errors.append(.init(field: "unit", message: "must name a unit")) }
        // Bytes, not characters: one character can carry any number of combining marks.
        if (note ?? "").utf8.count > 4000 { errors.append(.init(field: "note", message: "must be at most 4,000 bytes (about 1,000 Vietnamese characters)")) }
        return errors
    }
}

/// Why a late step was not the officer's fault.
struct ExcuseInput: ValidatedInput {
    var reason: String

    func validate() -> [Problem.FieldError] {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty || trimmed.utf8.count > 4000
            ? [.init(field: "reason", message: "must say the objective cause, in at most 4,000 bytes (about 1,000 Vietnamese characters)")] : []
    }
}

/// Reads and writes of what leaders enter; each write is one transaction with its event in the log.
enum LeaderEntries {
    static func assessments(unit: String, period: String, on sql: any SQLDatabase) async throws -> [String: Assessment] {
        let rows = try await sql.raw("""
            SELECT officer_id, unit_code, period, general_points, disqualified, note, entered_by, entered_at FROM performance_assessments \
            WHERE unit_code = \(bind: unit) AND period = \(bind: period)
            """).all()
        return Dictionary(try rows.map { row in
            let entry = Assessment(officerID: try row.decode(column: "officer_id", as: String.self), unitCode: try row.decode(column: "unit_code", as: String.self),
                                   period: try row.decode(column: "period", as: String.self),
                                   generalPoints: try row.decode(column: "general_points", as: Double.self),
                                   disqualified: try row.decode(column: "disqualified", as: Bool.self), note: try row.decode(column: "note", as: String.self),
                                   enteredBy: try row.decode(column: "entered_by", as: String.self),
                                   enteredAt: try row.decode(column: "entered_at", as: Date.self))
            return (entry.officerID, entry)
        }, uniquingKeysWith: { first, _ in first })
    }

    static func save(_ entry: Assessment, actorID: String?, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO performance_assessments (officer_id, unit_code, period, general_points, disqualified, note, entered_by, entered_at) \
            VALUES (\(bind: entry.officerID), \(bind: entry.unitCode), \(bind: entry.period), \(bind: entry.generalPoints), \(bind: entry.disqualified), \
            \(bind: entry.note), \(bind: entry.enteredBy), \(bind: entry.enteredAt)) \
            ON CONFLICT (officer_id, unit_code, period) DO UPDATE SET general_points = excluded.general_points, \
            disqualified = excluded.disqualified, note = excluded.note, entered_by = excluded.entered_by, entered_at = excluded.entered_at
            """).run()
        try await EventLog.append(
            try DomainEvent(type: "performance.assessment.entered", actorID: actorID, actorName: entry.enteredBy, unitCode: entry.unitCode,
                            subject: "officer:\(entry.officerID)",
                            // The points and any disqualification stay in the table: the log is append-only and read by auditors.
                            payload: ["period": entry.period],
                            occurredAt: entry.enteredAt),
            on: db)
    }

    /// The reasons given for late steps among `seqs`, by step.
    static func excuses(for seqs: [Int], on sql: any SQLDatabase) async throws -> [Int: String] {
        var found: [Int: String] = [:]
        // In chunks: a unit's quarter can hold thousands of late steps, more than SQLite binds in one statement.
        for start in stride(from: 0, to: seqs.count, by: 500) {
            let part = Array(seqs[start..<min(start + 500, seqs.count)])
            for row in try await sql.raw("SELECT work_seq, reason FROM performance_excuses WHERE work_seq IN (\(binds: part))").all() {
                found[try row.decode(column: "work_seq", as: Int.self)] = try row.decode(column: "reason", as: String.self)
            }
        }
        return found
    }

    static func excuse(_ product: WorkProduct, reason: String, by name: String, actorID: String?, at moment: Date, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO performance_excuses (work_seq, reason, entered_by, entered_at) VALUES (\(bind: product.seq), \(bind: reason), \(bind: name), \(bind: moment)) \
            ON CONFLICT (work_seq) DO UPDATE SET reason = excluded.reason, entered_by = excluded.entered_by, entered_at = excluded.entered_at
            """).run()
        try await EventLog.append(
            try DomainEvent(type: "performance.delay.excused", actorID: actorID, actorName: name, unitCode: product.unitCode,
                            subject: "officer:\(product.officerID)", payload: ["step": String(product.seq)], occurredAt: moment),
            on: db)
    }
}
