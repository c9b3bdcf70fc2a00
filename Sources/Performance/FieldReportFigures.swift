import Foundation
import Platform

/// Field-report figures per unit and category for a period, as the city publishes them: received, finished, on
/// time, overdue, handling time in working hours (average and 90th percentile), reopened, satisfaction; and the
/// units ranked by their on-time rate.
public struct FieldReportFigures: Sendable, Encodable, Equatable {
    public struct Row: Sendable, Encodable, Equatable {
        public var unit: String
        /// nil on a unit's total row.
        public var category: String?
        public var received: Int
        /// Confirmed by the operations centre (on or before the moment judged).
        public var verified: Int
        public var finished: Int
        public var finishedOnTime: Int
        public var overdue: Int
        /// Working hours from receipt to result, over the finished cases (the city's office hours and holidays).
        public var averageHandlingHours: Double?
        public var p90HandlingHours: Double?
        public var reopened: Int
        public var reopenRate: Double?
        public var rated: Int
        public var averageRating: Double?
        /// (received − overdue) / received: the rate the ranking uses (on time or still within the deadline).
        public var onTimeRate: Double?
    }

    public var unit: String?
    public var period: ReportingPeriod
    public var asOf: Date
    /// A unit's categories, then its total, unit by unit.
    public var rows: [Row]
    /// Unit codes, best on-time rate first (ties: more reports first, then the code).
    public var ranking: [String]

    public init(unit: String?, period: ReportingPeriod, asOf: Date, facts: [CaseFact], calendar: WorkCalendar) {
        self.unit = unit
        self.period = period
        self.asOf = asOf
        let reports = facts.filter { $0.kind == "field-report" }
        var rows: [Row] = []
        var totals: [Row] = []
        for (unitCode, cases) in Dictionary(grouping: reports, by: \.unitCode).sorted(by: { $0.key < $1.key }) {
            for (category, inCategory) in Dictionary(grouping: cases, by: { $0.category ?? "" }).sorted(by: { $0.key < $1.key }) {
                rows.append(Self.row(unit: unitCode, category: category, cases: inCategory, asOf: asOf, calendar: calendar))
            }
            let total = Self.row(unit: unitCode, category: nil, cases: cases, asOf: asOf, calendar: calendar)
            rows.append(total)
            totals.append(total)
        }
        self.rows = rows
        ranking = totals.sorted { ($0.onTimeRate ?? 0, $0.received, $1.unit) > ($1.onTimeRate ?? 0, $1.received, $0.unit) }.map(\.unit)
    }

    static func row(unit: String, category: String?, cases: [CaseFact], asOf: Date, calendar: WorkCalendar) -> Row {
        let finished = cases.filter { $0.finishedAt.map { $0 <= asOf } ?? false }
        let hours = finished.compactMap { fact in fact.finishedAt.map { Double(calendar.workingSeconds(from: fact.receivedAt, to: $0)) / 3600 } }.sorted()
        let overdue = cases.filter { Scorecard.isOverdue($0, asOf: asOf) }.count
        let ratings = cases.compactMap(\.rating)
        let reopened = cases.filter { $0.reopened > 0 }.count
        let verified = cases.filter { $0.verifiedAt.map { $0 <= asOf } ?? false }.count
        return Row(unit: unit, category: category, received: cases.count, verified: verified, finished: finished.count,
                   finishedOnTime: finished.filter { $0.onTime == true }.count, overdue: overdue,
                   averageHandlingHours: hours.isEmpty ? nil : rounded(hours.reduce(0, +) / Double(hours.count)),
                   p90HandlingHours: percentile(hours, 0.9).map(rounded), reopened: reopened,
                   reopenRate: cases.isEmpty ? nil : Double(reopened) / Double(cases.count), rated: ratings.count,
                   averageRating: ratings.isEmpty ? nil : rounded(Double(ratings.reduce(0, +)) / Double(ratings.count)),
                   onTimeRate: cases.isEmpty ? nil : Double(cases.count - overdue) / Double(cases.count))
    }

    /// Nearest rank: the smallest value with at least `share` of the values at or below it.
    static func percentile(_ sorted: [Double], _ share: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((share * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
