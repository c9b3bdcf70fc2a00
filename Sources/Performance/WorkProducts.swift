import FluentKit
import Foundation
import Platform
import SQLKit

/// One step of staff work on a case, as Decree 335/2025 counts "products": who took it, in which unit, how many
/// standard units the process gives it, whether it was late, and the events that later found fault with it (a draft
/// returned for rework, a report reopened). Kept from the event log by the projection, like the cases.
public struct WorkProduct: Sendable, Equatable, Codable {
    /// The `workflow.transitioned` entry that recorded the step: the product's identity and its explanation.
    public var seq: Int
    public var subject: String
    public var unitCode: String
    public var officerID: String
    public var officerName: String
    public var action: String
    public var at: Date
    /// Standard units before the procedure's or category's weight.
    public var work: Double
    /// Taken after the deadline that applied to the step (the step's own or the case's, whichever came first).
    public var late: Bool
    /// The entries that found fault with this step, in the log's order; each costs a quarter of its quality.
    public var faults: [Int]

    /// `other` is this step taken again: same case, same action, same person.
    func isTake(_ other: WorkProduct) -> Bool {
        subject == other.subject && action == other.action && officerID == other.officerID
    }
}

/// Reads and writes of `performance_work`, in plain SQL.
enum WorkProducts {
    static let columns = "seq, subject, unit_code, officer_id, officer_name, action, at, work, late, faults"

    static func insert(_ product: WorkProduct, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO performance_work (\(unsafeRaw: columns)) VALUES (\(bind: product.seq), \(bind: product.subject), \(bind: product.unitCode), \
            \(bind: product.officerID), \(bind: product.officerName), \(bind: product.action), \(bind: product.at), \(bind: product.work), \
            \(bind: product.late), \(bind: faultText(product.faults)))
            """).run()
    }

    static func update(_ product: WorkProduct, on sql: any SQLDatabase) async throws {
        try await sql.raw("""
            UPDATE performance_work SET faults = \(bind: faultText(product.faults)), late = \(bind: product.late) WHERE seq = \(bind: product.seq)
            """).run()
    }

    /// Every product on `subjects`, in the log's order, read a thousand cases at a time.
    static func on(_ subjects: Set<String>, on sql: any SQLDatabase) async throws -> [WorkProduct] {
        let all = Array(subjects)
        var found: [WorkProduct] = []
        for start in stride(from: 0, to: all.count, by: 1000) {
            let part = Array(all[start..<min(start + 1000, all.count)])
            found += try await sql.raw("SELECT \(unsafeRaw: columns) FROM performance_work WHERE subject IN (\(binds: part))").all().map(product)
        }
        return found.sorted { $0.seq < $1.seq }
    }

    /// Steps taken in `[from, to)`, in one unit or all, and optionally by one person, in the log's order.
    static func taken(from: Date, to: Date, unit: String?, officer: String? = nil, on sql: any SQLDatabase) async throws -> [WorkProduct] {
        let unitFilter: SQLQueryString = unit.map { "AND unit_code = \(bind: $0)" } ?? ""
        let officerFilter: SQLQueryString = officer.map { "AND officer_id = \(bind: $0)" } ?? ""
        return try await sql.raw("""
            SELECT \(unsafeRaw: columns) FROM performance_work WHERE at >= \(bind: from) AND at < \(bind: to) \(unitFilter) \(officerFilter) \
            ORDER BY seq
            """).all().map(product)
    }

    static func all(on sql: any SQLDatabase) async throws -> [WorkProduct] {
        try await sql.raw("SELECT \(unsafeRaw: columns) FROM performance_work ORDER BY seq").all().map(product)
    }

    static func deleteAll(on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM performance_work").run()
    }

    static func faultText(_ faults: [Int]) -> String { faults.map(String.init).joined(separator: ",") }

    fileprivate static func product(_ row: any SQLRow) throws -> WorkProduct {
        let faults = try row.decode(column: "faults", as: String.self)
        return WorkProduct(
            seq: try row.decode(column: "seq", as: Int.self), subject: try row.decode(column: "subject", as: String.self),
            unitCode: try row.decode(column: "unit_code", as: String.self), officerID: try row.decode(column: "officer_id", as: String.self),
            officerName: try row.decode(column: "officer_name", as: String.self), action: try row.decode(column: "action", as: String.self),
            at: try row.decode(column: "at", as: Date.self), work: try row.decode(column: "work", as: Double.self),
            late: try row.decode(column: "late", as: Bool.self),
            // Written only by `faultText`; a part that does not read is corruption, and says so rather than vanishing.
            faults: try faults.split(separator: ",").map { part in
                guard let seq = Int(part) else { throw Problem.internal() }
                return seq
            })
    }
}

extension WorkProducts {
    static func find(_ seq: Int, on sql: any SQLDatabase) async throws -> WorkProduct? {
        try await sql.raw("SELECT \(unsafeRaw: columns) FROM performance_work WHERE seq = \(bind: seq)").first().map(product)
    }
}
