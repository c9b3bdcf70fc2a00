import Foundation
import Platform

/// Who handles a report: the category's own unit, or the ward or commune whose area holds the point. A report with
/// only an address stays with the operations centre, whose operator picks the unit while verifying it.
package struct ReportRouting: Sendable {
    let boundaries: UnitBoundaries?
    let intakeUnit: String

    package init(boundaries: UnitBoundaries?, intakeUnit: String) {
        self.boundaries = boundaries
        self.intakeUnit = intakeUnit
    }

    func unit(for category: ReportCategory, at point: GeoPoint?) -> String {
        if let unit = category.responsible.unit { return unit }
        if let point, let unit = boundaries?.unit(at: point) { return unit }
        return intakeUnit
    }

    package func insideCity(_ point: GeoPoint) -> Bool {
        boundaries?.insideCity(point) ?? true
    }
}
