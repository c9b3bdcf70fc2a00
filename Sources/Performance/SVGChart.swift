import Foundation
import Platform

/// Charts drawn on the server as SVG: they show without scripts, print in the monthly report, and read the same on a
/// phone and on the operations centre's wall. Each chart has a title and its numbers as text, for screen readers.
enum SVGChart {
    struct Bar {
        var label: String
        var value: Double?
        var max: Double
        /// Shown after the bar (`16.2 / 18`); "—" when the value is unknown.
        var note: String
        var link: String? = nil
    }

    /// Horizontal bars, one per row, each against its own maximum.
    static func bars(_ rows: [Bar], title: String, id: String) -> String {
        let width = 640.0, labelWidth = 230.0, barWidth = 300.0, rowHeight = 30.0
        let height = Double(rows.count) * rowHeight + 10
        var out = #"<svg xmlns="http://www.w3.org/2000/svg" id="\#(id)" class="chart" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="\#(escape(title))">"#
        out += "<title>\(escape(title))</title>"
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight + 5
            let share = row.max > 0 ? min(max((row.value ?? 0) / row.max, 0), 1) : 0
            var label = #"<text x="0" y="\#(y + 19)" font-size="13">\#(escape(clip(row.label, 30)))</text>"#
            if let link = row.link { label = #"<a href="\#(escape(link))">\#(label)</a>"# }
            out += label
            out += #"<rect x="\#(labelWidth)" y="\#(y + 4)" width="\#(barWidth)" height="20" fill="rgb(236,235,243)"/>"#
            if row.value != nil {
                out += #"<rect class="bar" x="\#(labelWidth)" y="\#(y + 4)" width="\#(format(barWidth * share))" height="20" fill="\#(share >= 0.999 ? "rgb(46,125,50)" : "rgb(91,79,196)")"/>"#
            }
            out += #"<text x="\#(labelWidth + barWidth + 8)" y="\#(y + 19)" font-size="13">\#(escape(row.note))</text>"#
        }
        return out + "</svg>"
    }

    /// A line over time (a unit's points month by month); months without data break the line.
    static func trend(_ points: [(label: String, value: Double?)], max top: Double, title: String, id: String) -> String {
        let width = 640.0, height = 220.0, left = 40.0, bottom = 30.0, top_ = 10.0
        let step = points.count > 1 ? (width - left - 20) / Double(points.count - 1) : 0
        func y(_ value: Double) -> Double { height - bottom - (top > 0 ? min(max(value / top, 0), 1) : 0) * (height - bottom - top_) }
        var out = #"<svg xmlns="http://www.w3.org/2000/svg" id="\#(id)" class="chart" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="\#(escape(title))">"#
        out += "<title>\(escape(title))</title>"
        for fraction in [0.0, 0.5, 1.0] {
            let lineY = y(top * fraction)
            out += #"<line x1="\#(left)" x2="\#(width - 10)" y1="\#(format(lineY))" y2="\#(format(lineY))" stroke="rgb(213,211,224)"/>"#
            out += #"<text x="0" y="\#(format(lineY + 4))" font-size="11">\#(format(top * fraction))</text>"#
        }
        var segment: [String] = []
        func flush() {
            if segment.count > 1 { out += #"<polyline fill="none" stroke="rgb(91,79,196)" stroke-width="2" points="\#(segment.joined(separator: " "))"/>"# }
            segment = []
        }
        for (index, point) in points.enumerated() {
            let x = left + Double(index) * step
            out += #"<text x="\#(format(x))" y="\#(height - 8)" font-size="11" text-anchor="middle">\#(escape(point.label))</text>"#
            guard let value = point.value else { flush(); continue }
            segment.append("\(format(x)),\(format(y(value)))")
            out += #"<circle cx="\#(format(x))" cy="\#(format(y(value)))" r="3.5" fill="rgb(91,79,196)"><title>\#(escape(point.label)): \#(format(value))</title></circle>"#
        }
        flush()
        return out + "</svg>"
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e9 else { return "0" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func clip(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    static func escape(_ text: String) -> String { MarkupText.escaped(text) }
}
