import Foundation
import Platform

/// The city's units drawn as SVG paths from the profile's boundaries (longitude and latitude projected flat around
/// the city's middle latitude, which is exact enough at a city's size), with a label point for each unit's counts.
struct UnitMap: Sendable {
    struct Shape: Sendable {
        let unit: String
        let path: String
        let labelX: Double
        let labelY: Double
    }

    static let width = 600.0
    let height: Double
    let outline: String?
    let shapes: [Shape]

    init?(boundaries: UnitBoundaries) {
        let points = (boundaries.areas + [boundaries.city].compactMap { $0 }).flatMap { $0.polygons.flatMap { $0.flatMap { $0 } } }
        guard let minLon = points.map(\.longitude).min(), let maxLon = points.map(\.longitude).max(),
              let minLat = points.map(\.latitude).min(), let maxLat = points.map(\.latitude).max(), maxLon > minLon, maxLat > minLat else { return nil }
        let squeeze = cos((minLat + maxLat) / 2 * .pi / 180)
        let scale = Self.width / ((maxLon - minLon) * squeeze)
        func project(_ point: GeoPoint) -> (Double, Double) { ((point.longitude - minLon) * squeeze * scale, (maxLat - point.latitude) * scale) }
        func path(_ polygons: [[[GeoPoint]]]) -> String {
            polygons.flatMap { $0 }.map { ring in
                ring.enumerated().map { index, point in
                    let (x, y) = project(point)
                    return (index == 0 ? "M" : "L") + Self.number(x) + " " + Self.number(y)
                }.joined() + "Z"
            }.joined()
        }
        height = ((maxLat - minLat) * scale).rounded(.up)
        outline = boundaries.city.map { path($0.polygons) }
        shapes = boundaries.areas.map { area in
            let (x, y) = project(area.centre)
            return Shape(unit: area.unit, path: path(area.polygons), labelX: x, labelY: y)
        }
    }

    /// One decimal: a tenth of a pixel is finer than any screen needs.
    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
