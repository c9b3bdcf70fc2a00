import FieldReports
import Foundation
import Payments
import Performance
import PublicServices

/// What the performance module reads from outside: files of figures exported from the national registers, and a
/// city's own Decision 766 set.
enum PerformanceTargets {
    /// A file of figures kept outside the platform: every line it keeps stands on its own, and no line is both kept
    /// and refused.
    static let outsideFiguresCSV: FuzzTargets.Harness = { bytes in
        let (lines, refused) = OutsideFiguresFile.parse(String(decoding: bytes, as: UTF8.self), period: "2026-11")
        for line in lines {
            FuzzCheck.require(line.line >= 2, "line number \(line.line)")
            FuzzCheck.require(line.problems.isEmpty, "line \(line.line) kept with \(line.problems)")
            FuzzCheck.require(!refused.contains { $0.field == "line \(line.line)" || $0.field.hasPrefix("line \(line.line):") },
                              "line \(line.line) both kept and refused")
        }
    }

    static let declaredIndicators = Indicator766.set(from: PublicServicesModule.indicators + FieldReportsModule.indicators + PaymentsModule.indicators)

    /// A city's own Decision 766 set (`performance.json`): what loads is a set the scorecard can score.
    static let indicatorDefinitions: FuzzTargets.Harness = { bytes in
        guard case .success(let set) = IndicatorDefinitions.apply(Data(bytes), to: declaredIndicators) else { return }
        FuzzCheck.require(set.reduce(0) { $0 + $1.maxPoints } <= 100.0001, "a set worth more than 100 points loaded")
        for indicator in set {
            FuzzCheck.require(indicator.maxPoints > 0 && indicator.maxPoints <= 100 && (1...5).contains(indicator.group)
                              && indicator.threshold.map { $0 > 0 && $0 <= 1 } ?? true, "\(indicator.code) loaded out of range")
            FuzzCheck.require(indicator.formula == .outside || indicator.kind != nil, "\(indicator.code) counts no kind of case")
        }
    }
}
