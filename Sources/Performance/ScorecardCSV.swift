import Foundation
import Hummingbird
import NIOCore

/// A scorecard as CSV (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs read Vietnamese correctly),
/// one line per indicator: what the city files with its monthly report.
enum ScorecardCSV {
    static let header = ["code", "group", "name_vi", "name_en", "numerator", "denominator", "rate", "points", "max_points", "threshold",
                         "formula_vi", "formula_en"]

    static func text(_ card: Scorecard) -> String {
        var lines = [header.joined(separator: ",")]
        for line in card.lines {
            let indicator = line.indicator
            let fields: [String] = [
                indicator.code, String(indicator.group), indicator.name["vi"] ?? "", indicator.name["en"] ?? "",
                line.numerator.map(String.init) ?? "", line.denominator.map(String.init) ?? "", line.rate.map { decimal($0, places: 4) } ?? "",
                // Kept outside the platform: empty, not zero.
                line.points.map { decimal($0, places: 2) } ?? "", decimal(indicator.maxPoints, places: 2),
                indicator.threshold.map { decimal($0, places: 2) } ?? "", indicator.explanation["vi"] ?? "", indicator.explanation["en"] ?? "",
            ]
            lines.append(fields.map(field).joined(separator: ","))
        }
        lines.append(["total", "", "", "", "", "", "", decimal(card.points, places: 2), decimal(card.pointsPossible, places: 2), "", "", ""]
            .joined(separator: ","))
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    static func response(_ card: Scorecard) -> Response {
        let name = "scorecard-\(card.unit ?? "city")-\(card.period.label).csv"
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                                               .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: text(card))))
    }

    /// Quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@` is defused so no
    /// spreadsheet runs it as a formula.
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func decimal(_ value: Double, places: Int) -> String {
        String(format: "%.\(places)f", value)
    }
}
