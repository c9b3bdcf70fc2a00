import Foundation
import Platform

/// A threshold the operations centre watches: an attribute of a kind of sensor past a value, for long enough
/// ("water level at or above 3.5 m at a Perfume River gauge", "PM2.5 above 50 µg/m³ for 30 minutes"), with the
/// severity of the alert it raises and the unit answerable for it.
public struct AlertRule: Sendable, Equatable, Codable {
    public enum Severity: String, Sendable, Codable, CaseIterable {
        case info, warning, critical
    }

    public enum Comparison: String, Sendable, Codable, CaseIterable {
        case above = ">", atLeast = ">=", below = "<", atMost = "<="

        func holds(_ value: Double, _ threshold: Double) -> Bool {
            switch self {
            case .above: value > threshold
            case .atLeast: value >= threshold
            case .below: value < threshold
            case .atMost: value <= threshold
            }
        }
    }

    public var code: String
    public var name: [String: String]
    public var severity: Severity
    public var entityType: String
    /// Only sensors whose id starts with this (one station, or a river's gauges).
    public var entityPrefix: String?
    public var attribute: String
    public var comparison: Comparison
    public var threshold: Double
    /// How long every reading must be past the threshold; 0: the first such reading raises the alert.
    public var sustainedMinutes: Int
    /// The unit answerable (its leaders get a notice); nil: the operations centre's own.
    public var unit: String?

    public static let maximumSustainedMinutes = 24 * 60

    /// Everything wrong with a rule, per field.
    public func problems(units: Set<String>) -> [Problem.FieldError] {
        var problems: [Problem.FieldError] = []
        if code.isEmpty || code.utf8.count > 64 || !code.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) {
            problems.append(.init(field: "code", message: "1 to 64 of a-z, 0-9 and '-'"))
        }
        if ["vi", "en"].contains(where: { (name[$0] ?? "").trimmingCharacters(in: .whitespaces).isEmpty || (name[$0]?.count ?? 0) > 200 })
            || name.keys.contains(where: { !["vi", "en"].contains($0) })
            || name.values.contains(where: { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }) {
            problems.append(.init(field: "name", message: "a name in vi and en, each at most 200 characters, without control characters"))
        }
        if !NGSINames.isName(entityType) { problems.append(.init(field: "entityType", message: "an NGSI-LD type name such as WaterLevelObserved")) }
        if !NGSINames.isName(attribute) { problems.append(.init(field: "attribute", message: "an attribute name such as waterLevel")) }
        if let entityPrefix, entityPrefix.isEmpty || entityPrefix.utf8.count > NGSINames.maximumURILength || !entityPrefix.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            problems.append(.init(field: "entityPrefix", message: "the start of sensor ids, printable ASCII"))
        }
        if !threshold.isFinite || abs(threshold) > 1e12 { problems.append(.init(field: "threshold", message: "a finite number")) }
        if !(0...Self.maximumSustainedMinutes).contains(sustainedMinutes) {
            problems.append(.init(field: "sustainedMinutes", message: "0 to \(Self.maximumSustainedMinutes)"))
        }
        if let unit, !units.contains(unit) { problems.append(.init(field: "unit", message: "no unit '\(unit)' in the city")) }
        return problems
    }

    /// Whether `readings` (one sensor's, oldest first, the last the latest) put it past the threshold for long
    /// enough: the latest is past it and so is every reading back to one at or before `sustainedMinutes` earlier.
    /// Without a reading that old, the sensor has not been past it for long enough yet.
    public func holds(over readings: [(at: Int64, value: Double)]) -> Bool {
        sustained(over: readings) { comparison.holds($0, threshold) }
    }

    /// Whether the sensor is back: every reading over the same stretch on the other side of the threshold, so one
    /// low reading amid high ones does not sound the all-clear.
    public func clears(over readings: [(at: Int64, value: Double)]) -> Bool {
        sustained(over: readings) { !comparison.holds($0, threshold) }
    }

    private func sustained(over readings: [(at: Int64, value: Double)], _ condition: (Double) -> Bool) -> Bool {
        guard let latest = readings.last, condition(latest.value) else { return false }
        guard sustainedMinutes > 0 else { return true }
        let since = latest.at - Int64(sustainedMinutes) * 60_000
        for reading in readings.reversed() {
            guard condition(reading.value) else { return false }
            if reading.at <= since { return true }
        }
        return false
    }
}
