import Foundation
import Logging
import Platform
import SQLKit

/// A month of the SOC's work in the city's time zone (Asia/Ho_Chi_Minh for Huế): blocked events (`event.type:
/// denied`) by category and unit, the hosts most blocked and the rules that raised most alerts.
public struct MonthlyReport: Codable, Sendable {
    public struct Count: Codable, Sendable, Equatable {
        public let unit: String
        public let category: String
        public let count: Int64
    }

    public struct Host: Codable, Sendable, Equatable {
        public let unit: String
        public let host: String
        public let count: Int64
    }

    public struct Rule: Codable, Sendable, Equatable {
        public let rule: String
        public let alerts: Int64
    }

    public let month: String
    public let timeZone: String
    public let from: Date
    public let to: Date
    public let blocked: Int64
    public let byCategory: [String: Int64]
    public let byUnit: [String: Int64]
    public let byUnitAndCategory: [Count]
    public let topHosts: [Host]
    public let topRules: [Rule]

    /// `unit,category,blocked` rows, as spreadsheets read them.
    public var csv: String {
        var lines = ["unit,category,blocked"]
        for row in byUnitAndCategory { lines.append("\(Self.cell(row.unit)),\(Self.cell(row.category)),\(row.count)") }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A text cell: always quoted (a Vietnamese-locale spreadsheet splits at ';' too), and never read as a formula
    /// (`=`, `+`, `-`, `@` first). Senders choose categories and hosts, so every cell is theirs to try.
    static func cell(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r;".contains(first) { value = "'" + value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Builds monthly reports from the stored events and alerts.
public struct MonthlyReports: Sendable {
    /// Senders choose categories: a report lists at most this many unit-and-category rows, the largest first.
    static let maximumRows = 2_000

    let database: PlatformDatabase
    let timeZone: TimeZone

    /// The month's bounds in the city's zone, for `YYYY-MM` from 2000 to 2100; nil otherwise.
    public func bounds(of month: String) -> (Date, Date)? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = BoundedInteger.parse(String(parts[0]), in: 2000...2100),
              let number = BoundedInteger.parse(String(parts[1]), in: 1...12) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let start = calendar.date(from: DateComponents(year: year, month: number, day: 1)),
              let end = calendar.date(byAdding: .month, value: 1, to: start) else { return nil }
        return (start, end)
    }

    /// `units` nil: every unit.
    public func report(month: String, units: [String]?, logger: Logger) async throws -> MonthlyReport? {
        guard let (start, end) = bounds(of: month) else { return nil }
        let from = Int64(start.timeIntervalSince1970 * 1000)
        let to = Int64(end.timeIntervalSince1970 * 1000)
        let scope: SQLQueryString = units.map { $0.isEmpty ? " AND 1 = 0" : " AND unit_code IN (\(binds: $0))" } ?? ""
        let sql = try database.sql(logger: logger)
        let rows = try await sql.raw("""
            SELECT unit_code, COALESCE(category, 'other') AS category, COUNT(*) AS n FROM soc_events \
            WHERE event_type = 'denied' AND occurred_at_ms >= \(bind: from) AND occurred_at_ms < \(bind: to)
            """ + scope + " GROUP BY unit_code, COALESCE(category, 'other') ORDER BY n DESC, unit_code, category LIMIT \(bind: Self.maximumRows)").all()
        let counts = try rows.map { row in
            MonthlyReport.Count(unit: try row.decode(column: "unit_code", as: String.self),
                                category: try row.decode(column: "category", as: String.self), count: try row.decode(column: "n", as: Int64.self))
        }
        let hostRows = try await sql.raw("""
            SELECT unit_code, host_name, COUNT(*) AS n FROM soc_events WHERE event_type = 'denied' AND host_name IS NOT NULL \
            AND occurred_at_ms >= \(bind: from) AND occurred_at_ms < \(bind: to)
            """ + scope + " GROUP BY unit_code, host_name ORDER BY n DESC, unit_code, host_name LIMIT 10").all()
        let ruleRows = try await sql.raw("""
            SELECT rule_id, COUNT(*) AS n FROM soc_alerts WHERE raised_at_ms >= \(bind: from) AND raised_at_ms < \(bind: to)
            """ + scope + " GROUP BY rule_id ORDER BY n DESC, rule_id LIMIT 10").all()
        // Totals by one dimension are counted apart: the pairs above stop at `maximumRows`.
        let blocked: SQLQueryString = "FROM soc_events WHERE event_type = 'denied' AND occurred_at_ms >= \(bind: from) AND occurred_at_ms < \(bind: to)" + scope
        let byCategory = try await sql.raw("SELECT COALESCE(category, 'other') AS k, COUNT(*) AS n " + blocked
                                           + " GROUP BY COALESCE(category, 'other') ORDER BY n DESC, k LIMIT 100").all()
        let byUnit = try await sql.raw("SELECT unit_code AS k, COUNT(*) AS n " + blocked + " GROUP BY unit_code ORDER BY n DESC, k LIMIT 1000").all()
        func totals(_ rows: [any SQLRow]) throws -> [String: Int64] {
            try rows.reduce(into: [:]) { $0[try $1.decode(column: "k", as: String.self)] = try $1.decode(column: "n", as: Int64.self) }
        }
        let all = try await sql.raw("SELECT COUNT(*) AS n " + blocked).first()?.decode(column: "n", as: Int64.self) ?? 0
        return MonthlyReport(
            month: month, timeZone: timeZone.identifier, from: start, to: end, blocked: all,
            byCategory: try totals(byCategory), byUnit: try totals(byUnit), byUnitAndCategory: counts,
            topHosts: try hostRows.map { MonthlyReport.Host(unit: try $0.decode(column: "unit_code", as: String.self),
                                                            host: try $0.decode(column: "host_name", as: String.self),
                                                            count: try $0.decode(column: "n", as: Int64.self)) },
            topRules: try ruleRows.map { MonthlyReport.Rule(rule: try $0.decode(column: "rule_id", as: String.self),
                                                            alerts: try $0.decode(column: "n", as: Int64.self)) })
    }
}
