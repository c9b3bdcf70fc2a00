import Documents
import Foundation
import Platform

/// The monthly (or any period's) report of a unit or the city as a PDF: the Decision 766 scorecard with a bar per
/// indicator, the people graded (counts, never names), or the units ranked for the city. The issuing unit seals it
/// (`UnitSealing`), so anyone can check it on `/verify`.
struct MonthlyReport {
    struct Ranked {
        var name: String
        var points: Double
        var possible: Double
    }

    var card: Scorecard
    var issuer: String
    var subject: String
    var language: String
    /// For a unit: how many of its people have each grade (the key `pending` for those not graded yet).
    var grades: [String: Int]?
    /// For the city: its units, best first.
    var ranking: [Ranked]?
    var generatedAt: String
    /// The share of possible points month by month, the six months up to the period's last.
    var trend: [(label: String, value: Double?)] = []

    static let words: [String: [String: String]] = [
        "vi": ["title": "Báo cáo kết quả Bộ chỉ số 766", "period": "Kỳ", "asOf": "Số liệu đến", "issuer": "Đơn vị ban hành",
               "indicator": "Chỉ số", "counted": "Số đếm", "points": "Điểm", "total": "Tổng điểm từ dữ liệu của nền tảng",
               "outside": "Điểm của các chỉ số ngoài nền tảng (chưa nhập)", "grades": "Xếp loại cán bộ (Nghị định 335/2025)",
               "ranking": "Xếp hạng đơn vị theo tỷ lệ điểm đạt được", "verify": "Văn bản có chữ ký số của đơn vị ban hành; kiểm tra tại",
               "excellent": "Hoàn thành xuất sắc", "good": "Hoàn thành tốt", "completed": "Hoàn thành", "not-completed": "Không hoàn thành",
               "pending": "Chưa xếp loại", "generated": "Lập lúc", "trend": "Tỷ lệ điểm đạt được theo tháng (%)"],
        "en": ["title": "Decision 766 performance report", "period": "Period", "asOf": "Figures as of", "issuer": "Issued by",
               "indicator": "Indicator", "counted": "Counted", "points": "Points", "total": "Total points from the platform's data",
               "outside": "Points of the indicators kept outside (not entered)", "grades": "Officers graded (Decree 335/2025)",
               "ranking": "Units ranked by share of the points they could earn", "verify": "Sealed by the issuing unit; verify at",
               "excellent": "Excellent", "good": "Good", "completed": "Completed", "not-completed": "Not completed",
               "pending": "Not graded yet", "generated": "Generated", "trend": "Share of possible points per month (%)"],
    ]

    func pdf(verifyAt: String) throws -> [UInt8] {
        let word = Self.words[language] ?? Self.words["vi"] ?? [:]
        var document = try PDFDocument.withSystemFonts(title: "\(word["title"] ?? "") — \(subject) — \(card.period.label)", author: issuer)
        let left = 50.0, right = PDFDocument.a4.width - 50
        var y = PDFDocument.a4.height - 60
        document.text(word["title"] ?? "", x: left, y: y, size: 16, weight: .bold)
        y -= 22
        document.text(subject, x: left, y: y, size: 13, weight: .bold)
        y -= 18
        for (key, value) in [("period", card.period.label), ("asOf", generatedAt), ("issuer", issuer)] {
            document.text("\(word[key] ?? key): \(value)", x: left, y: y, size: 10)
            y -= 14
        }
        y -= 8
        document.line(from: (left, y), to: (right, y))
        y -= 18
        document.text(word["indicator"] ?? "", x: left, y: y, size: 9, weight: .bold)
        document.text(word["counted"] ?? "", x: 330, y: y, size: 9, weight: .bold)
        document.text(word["points"] ?? "", x: 400, y: y, size: 9, weight: .bold)
        y -= 14
        for line in card.lines {
            let name = "\(line.indicator.code) \(line.indicator.name[language] ?? line.indicator.code)"
            let bottom = document.paragraph(name, x: left, y: y, width: 270, size: 9)
            let counted = line.numerator.flatMap { n in line.denominator.map { "\(n) / \($0)" } } ?? "—"
            document.text(counted, x: 330, y: y, size: 9)
            document.text("\(line.points.map(SVGChart.format) ?? "—") / \(SVGChart.format(line.indicator.maxPoints))", x: 400, y: y, size: 9)
            bar(&document, x: 470, y: y + 3, share: line.points.map { $0 / max(line.indicator.maxPoints, 1) })
            y = min(bottom, y - 13) - 3
        }
        y -= 6
        document.text("\(word["total"] ?? ""): \(SVGChart.format(card.points)) / \(SVGChart.format(card.pointsPossible))", x: left, y: y, size: 11, weight: .bold)
        y -= 15
        document.text("\(word["outside"] ?? ""): \(SVGChart.format(card.pointsOutside))", x: left, y: y, size: 9)
        y -= 26
        if !trend.isEmpty { y = trendSection(&document, word: word, y: y) }
        if let grades { y = gradesSection(&document, grades, word: word, y: y) }
        if let ranking { y = rankingSection(&document, ranking, word: word, y: y) }
        document.paragraph("\(word["verify"] ?? "") \(verifyAt)", x: left, y: max(y - 10, 60), width: right - left, size: 9)
        return try document.write(signatureField: "UnitSeal")
    }

    /// A bar 100 points wide for a share from 0 to 1; an unknown share draws only the frame.
    func bar(_ document: inout PDFDocument, x: Double, y: Double, share: Double?) {
        document.line(from: (x, y), to: (x + 70, y), width: 0.3)
        guard let share, share.isFinite, share > 0 else { return }
        document.line(from: (x, y), to: (x + 70 * min(share, 1), y), width: 6)
    }

    /// A line chart 300 points wide: months along the bottom, 0–100 % up the side; months without data break it.
    func trendSection(_ document: inout PDFDocument, word: [String: String], y start: Double) -> Double {
        document.text(word["trend"] ?? "", x: 50, y: start, size: 11, weight: .bold)
        let left = 80.0, width = 300.0, height = 80.0, bottom = start - 20 - height
        document.line(from: (left, bottom), to: (left + width, bottom))
        document.line(from: (left, bottom), to: (left, bottom + height))
        for mark in [0.0, 50, 100] {
            document.text(SVGChart.format(mark), x: left - 24, y: bottom + height * mark / 100 - 3, size: 7)
        }
        let step = trend.count > 1 ? width / Double(trend.count - 1) : 0
        var previous: (Double, Double)?
        for (index, point) in trend.enumerated() {
            let x = left + Double(index) * step
            document.text(point.label, x: x - 12, y: bottom - 12, size: 7)
            guard let value = point.value, value.isFinite else { previous = nil; continue }
            let here = (x, bottom + height * min(max(value, 0), 100) / 100)
            document.line(from: (here.0 - 1.5, here.1), to: (here.0 + 1.5, here.1), width: 3)
            if let previous { document.line(from: previous, to: here, width: 1.2) }
            previous = here
        }
        return bottom - 34
    }

    func gradesSection(_ document: inout PDFDocument, _ grades: [String: Int], word: [String: String], y start: Double) -> Double {
        var y = start
        document.text(word["grades"] ?? "", x: 50, y: y, size: 11, weight: .bold)
        y -= 16
        for grade in ["excellent", "good", "completed", "not-completed", "pending"] {
            document.text("\(word[grade] ?? grade): \(grades[grade] ?? 0)", x: 60, y: y, size: 10)
            y -= 14
        }
        return y - 10
    }

    func rankingSection(_ document: inout PDFDocument, _ ranking: [Ranked], word: [String: String], y start: Double) -> Double {
        var y = start
        document.text(word["ranking"] ?? "", x: 50, y: y, size: 11, weight: .bold)
        y -= 16
        for (index, unit) in ranking.enumerated() {
            if y < 90 {
                document.newPage()
                y = PDFDocument.a4.height - 60
            }
            document.text("\(index + 1). \(unit.name)", x: 60, y: y, size: 9)
            document.text("\(SVGChart.format(unit.points)) / \(SVGChart.format(unit.possible))", x: 330, y: y, size: 9)
            bar(&document, x: 400, y: y + 3, share: unit.possible > 0 ? unit.points / unit.possible : nil)
            y -= 13
        }
        return y - 10
    }
}
