import Foundation
import Platform

/// A file of figures kept outside the platform, as an admin exports them from the national registers: one figure a
/// line under the header `unit,indicator,numerator,denominator,source` (and `period`, unless the whole file is for the
/// period asked for). Read in full before anything is kept, so a file with one bad line is refused with every
/// line's reason and keeps nothing.
public enum OutsideFiguresFile {
    public struct Line: Sendable {
        public var line: Int
        var input: OutsideFigureInput
        /// Why the figure on this line cannot be kept, on its own (empty for every line `parse` returns).
        public var problems: [Problem.FieldError] { input.validate() }
    }

    /// A city's units times three indicators, many times over.
    static let mostLines = 5000
    static let required = ["unit", "indicator", "numerator", "denominator", "source"]

    /// The figures of `text`, each with its line, and why each other line was refused (`line N: field`).
    /// `period` applies to lines without a `period` column of their own.
    public static func parse(_ text: String, period: String?) -> (lines: [Line], refused: [Problem.FieldError]) {
        let (header, records, more) = CSVText.records(text, limit: mostLines)
        let missing = required.filter { !header.contains($0) }
        guard missing.isEmpty else {
            return ([], [.init(field: "line 1", message: "the header must name \(required.joined(separator: ", ")); missing \(missing.joined(separator: ", "))")])
        }
        let periodColumn = header.firstIndex(of: "period")
        guard periodColumn != nil || period != nil else {
            return ([], [.init(field: "period", message: "name the period, in the file's period column or as ?period=")])
        }
        guard !more else { return ([], [.init(field: "file", message: "at most \(mostLines) lines a file")]) }
        let column = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [Line] = []
        var refused: [Problem.FieldError] = []
        var seen: [String: Int] = [:]
        for (number, fields) in records {
            guard fields.count >= header.count else {
                refused.append(.init(field: "line \(number)", message: "expected \(header.count) fields, found \(fields.count)"))
                continue
            }
            func value(_ name: String) -> String { column[name].map { fields[$0].trimmingCharacters(in: .whitespaces) } ?? "" }
            guard let numerator = Int(value("numerator")), let denominator = Int(value("denominator")) else {
                refused.append(.init(field: "line \(number)", message: "numerator and denominator must be whole numbers"))
                continue
            }
            let input = OutsideFigureInput(unit: value("unit"), period: periodColumn.map { _ in value("period") } ?? period ?? "",
                                           indicator: value("indicator"), numerator: numerator, denominator: denominator, source: value("source"))
            let errors = input.validate()
            guard errors.isEmpty else {
                refused += errors.map { .init(field: "line \(number): \($0.field)", message: $0.message) }
                continue
            }
            // Two spellings of one period are one period.
            let key = "\(input.unit)\u{0}\(ReportingPeriod(input.period)?.label ?? input.period)\u{0}\(input.indicator)"
            if let earlier = seen[key] {
                refused.append(.init(field: "line \(number)", message: "the same unit, period and indicator as line \(earlier)"))
                continue
            }
            seen[key] = number
            lines.append(Line(line: number, input: input))
        }
        return (lines, refused)
    }
}
