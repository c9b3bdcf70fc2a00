import Foundation
import Platform

/// A plain SVG map: the units' boundaries and report points, no tiles. The projection is equirectangular with the
/// longitude scaled by the cosine of the middle latitude, which is true enough across one city.
struct ReportMap {
    struct Box {
        var minLatitude: Double
        var maxLatitude: Double
        var minLongitude: Double
        var maxLongitude: Double

        /// "latitude,longitude" of the middle, where a map opens.
        var centre: String { "\((minLatitude + maxLatitude) / 2),\((minLongitude + maxLongitude) / 2)" }
    }

    struct Point {
        var code: String
        var latitude: Double
        var longitude: Double
        var status: String
        var overdue: Bool
        var label: String
    }

    let boundaries: UnitBoundaries
    let unitNames: [String: String]
    let width = 800.0

    /// The whole city, or the urban core around the centre where most reports are.
    func box(core: Bool) -> Box {
        if core { return Box(minLatitude: 16.40, maxLatitude: 16.56, minLongitude: 107.50, maxLongitude: 107.68) }
        let outer = (boundaries.city.map { [$0] } ?? boundaries.areas).flatMap { $0.polygons.flatMap { $0.first ?? [] } }
        return Box(minLatitude: outer.map(\.latitude).min() ?? 0, maxLatitude: outer.map(\.latitude).max() ?? 1,
                   minLongitude: outer.map(\.longitude).min() ?? 0, maxLongitude: outer.map(\.longitude).max() ?? 1)
    }

    func svg(points: [Point], core: Bool, title: String) -> String {
        let box = box(core: core)
        let scale = cos((box.minLatitude + box.maxLatitude) / 2 * .pi / 180)
        let height = width * (box.maxLatitude - box.minLatitude) / ((box.maxLongitude - box.minLongitude) * scale)
        func x(_ longitude: Double) -> String { String(format: "%.1f", (longitude - box.minLongitude) / (box.maxLongitude - box.minLongitude) * width) }
        func y(_ latitude: Double) -> String { String(format: "%.1f", (box.maxLatitude - latitude) / (box.maxLatitude - box.minLatitude) * height) }
        // A group, not an image: its pins are links, and an image may not hold anything a person can act on.
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"report-map\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"group\" aria-label=\"\(escape(title))\">"
        out += "<rect class=\"sea\" width=\"\(Int(width))\" height=\"\(Int(height))\"/>"
        for area in boundaries.areas {
            let path = area.polygons.map { rings in
                rings.map { ring in "M" + ring.map { "\(x($0.longitude)) \(y($0.latitude))" }.joined(separator: " L") + "Z" }.joined()
            }.joined()
            out += "<path class=\"unit\" d=\"\(path)\"><title>\(escape(unitNames[area.unit] ?? area.unit))</title></path>"
        }
        for point in points {
            let kind = point.overdue ? "overdue" : point.status
            out += "<a href=\"/reports/\(point.code)\"><circle class=\"pin \(kind)\" cx=\"\(x(point.longitude))\" cy=\"\(y(point.latitude))\" r=\"\(core ? 5 : 3)\">"
            out += "<title>\(escape(point.code)): \(escape(point.label))</title></circle></a>"
        }
        return out + "</svg>"
    }

    func escape(_ text: String) -> String { MarkupText.escaped(text) }
}
