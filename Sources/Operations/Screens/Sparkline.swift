import Foundation

/// A small line of values for a sensor panel, as SVG `points`; gaps (hours with no reading) are skipped, so the line
/// joins the readings either side of them.
enum Sparkline {
    static let width = 160.0
    static let height = 36.0

    static func points(_ values: [Double?]) -> String {
        let known = values.compactMap { $0 }
        guard let low = known.min(), let high = known.max(), values.count > 1 else { return "" }
        let span = high > low ? high - low : 1
        let step = width / Double(values.count - 1)
        return values.enumerated().compactMap { index, value in
            value.map { UnitMap.number(Double(index) * step) + "," + UnitMap.number(height - 2 - ($0 - low) / span * (height - 4)) }
        }.joined(separator: " ")
    }
}
