import Foundation

/// A horizontal bar chart drawn on the server as SVG values for a page template: one bar per row, longest first,
/// labels and counts as text beside them (so the chart reads without colour and prints).
enum BarChart {
    static let width = 640.0
    static let labelWidth = 270.0
    static let rowHeight = 26.0
    static let maximumRows = 24

    static func values(_ rows: [(label: String, count: Int64)]) -> [String: Any] {
        let shown = rows.sorted { ($0.count, $1.label) > ($1.count, $0.label) }.prefix(maximumRows)
        let most = Double(max(1, shown.map(\.count).max() ?? 1))
        let room = width - labelWidth - 70
        let bars = shown.enumerated().map { index, row -> [String: Any] in
            let y = Double(index) * rowHeight
            let length = max(1, Double(row.count) / most * room)
            return ["label": String(row.label.prefix(40)), "count": String(row.count), "y": number(y), "textY": number(y + rowHeight * 0.65),
                    "x": number(labelWidth), "length": number(length), "countX": number(labelWidth + length + 6), "height": number(rowHeight - 6)]
        }
        return ["width": number(width), "height": number(max(rowHeight, Double(bars.count) * rowHeight)), "labelX": number(labelWidth - 8),
                "bars": bars, "empty": bars.isEmpty]
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
