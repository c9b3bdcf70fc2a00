import Foundation
import Platform

/// A month (`2026-11`), a quarter (`2026-Q4`), a year (`2026`) or a span of days (`2026-11-01..2026-11-15`), in the
/// city's calendar: the period a scorecard covers. Parsed from the query string, so every number is bounded.
public struct ReportingPeriod: Sendable, Encodable, Equatable {
    public var label: String
    public var first: CivilDate
    /// The last day included.
    public var last: CivilDate

    static let years = 2000...2100

    public init?(_ text: String) {
        guard text.utf8.count <= 32 else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if text.contains("..") {
            // A span of days reads at most a year of cases (366 days, as a leap year has).
            let ends = text.components(separatedBy: "..")
            guard ends.count == 2, let first = CivilDate(ends[0]), let last = CivilDate(ends[1]), first <= last,
                  Self.years.contains(first.year), Self.years.contains(last.year), last.dayNumber - first.dayNumber < 366 else { return nil }
            self.init(label: "\(first)..\(last)", first: first, last: last)
        } else if parts.count == 1, parts[0].count == 4, let year = BoundedInteger.parse(parts[0], in: Self.years) {
            guard let first = CivilDate(year: year, month: 1, day: 1), let last = CivilDate(year: year, month: 12, day: 31) else { return nil }
            self.init(label: "\(year)", first: first, last: last)
        } else if parts.count == 2, parts[0].count == 4, let year = BoundedInteger.parse(parts[0], in: Self.years) {
            if parts[1].count == 2, parts[1].hasPrefix("Q"), let quarter = BoundedInteger.parse(parts[1].dropFirst(), in: 1...4) {
                self.init(year: year, months: (quarter - 1) * 3 + 1...quarter * 3, label: "\(year)-Q\(quarter)")
            } else if parts[1].count == 2, let month = BoundedInteger.parse(parts[1], in: 1...12) {
                self.init(year: year, months: month...month, label: "\(year)-\(month < 10 ? "0" : "")\(month)")
            } else {
                return nil
            }
        } else {
            return nil
        }
    }

    init(label: String, first: CivilDate, last: CivilDate) {
        self.label = label
        self.first = first
        self.last = last
    }

    private init?(year: Int, months: ClosedRange<Int>, label: String) {
        let after = months.upperBound == 12 ? CivilDate(year: year + 1, month: 1, day: 1) : CivilDate(year: year, month: months.upperBound + 1, day: 1)
        guard let first = CivilDate(year: year, month: months.lowerBound, day: 1), let after else { return nil }
        self.init(label: label, first: first, last: after.adding(days: -1))
    }

    enum CodingKeys: String, CodingKey { case label, first, last }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        try container.encode(first.description, forKey: .first)
        try container.encode(last.description, forKey: .last)
    }

    /// The periods this one is made of, one level down: a year's quarters, a quarter's months; none for a month or a
    /// span of days.
    var parts: [ReportingPeriod] {
        if label.utf8.count == 4 { return (1...4).compactMap { ReportingPeriod("\(first.year)-Q\($0)") } }
        guard label.contains("-Q") else { return [] }
        return (first.month...last.month).compactMap { ReportingPeriod(String(format: "%04d-%02d", first.year, $0)) }
    }

    /// This period and every period inside it, down to months.
    var withParts: [ReportingPeriod] { [self] + parts.flatMap(\.withParts) }

    /// The month holding `instant` in the city's calendar.
    public static func month(of instant: Date, calendar: WorkCalendar) -> ReportingPeriod {
        let day = calendar.civilDate(of: instant)
        let month = day.month < 10 ? "0\(day.month)" : "\(day.month)"
        return ReportingPeriod("\(day.year)-\(month)") ?? ReportingPeriod(label: day.description, first: day, last: day)
    }

    /// `[start, end)` as instants: midnight of the first day to midnight after the last, in the city's time zone.
    public func instants(in calendar: WorkCalendar) -> (start: Date, end: Date) {
        (calendar.instant(first, secondsIntoDay: 0), calendar.instant(last, secondsIntoDay: 86_400))
    }
}
