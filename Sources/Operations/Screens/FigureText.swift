import Foundation

/// A value as a screen shows it, in the page's language: a share as a percentage with one decimal, a count with its
/// thousands grouped, and an unknown share as a dash (never as zero).
enum FigureText {
    static func text(_ value: Double?, share: Bool, language: String, digits: Int = 0) -> String {
        guard let value, value.isFinite else { return "—" }
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: language == "vi" ? "vi_VN" : "en_US")
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = share ? 1 : digits
        formatter.minimumFractionDigits = share ? 1 : 0
        let number = formatter.string(from: NSNumber(value: share ? value * 100 : value)) ?? "\(value)"
        return share ? number + " %" : number
    }
}
