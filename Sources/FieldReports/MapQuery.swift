import Foundation
import Hummingbird
import Platform
import SQLKit

/// A map feed request, read at the edge into bounded values: a box of at most `maxSpan` degrees whose corners are
/// real coordinates in order, a zoom from 0 to 22, a known category and status. Anything else is a 400 naming the
/// parameter, never a query.
package struct MapQuery: Sendable {
    package struct Box: Sendable, Equatable {
        package var minLongitude: Double
        package var minLatitude: Double
        package var maxLongitude: Double
        package var maxLatitude: Double
    }

    /// A city fits in a few degrees; a box of a continent is a mistake or a crawler.
    package static let maxSpan = 3.0

    package let box: Box
    let zoom: Int
    let category: String?
    let status: String?

    init(_ request: Request, categories: Set<String>) throws {
        let parameters = request.uri.queryParameters
        let zoom = try request.queryInteger("zoom", in: 0...22) ?? 13
        guard let text = parameters.get("bbox"), !text.isEmpty else {
            throw Problem.validation([.init(field: "bbox", message: "is required: minLon,minLat,maxLon,maxLat")])
        }
        let box = try Self.box(text, zoom: zoom)
        let category = parameters.get("category").flatMap { $0.isEmpty ? nil : $0 }
        if let category, !categories.contains(category) { throw Problem.validation([.init(field: "category", message: "no category '\(category)'")]) }
        let status = parameters.get("status").flatMap { $0.isEmpty ? nil : $0 }
        if let status, !["open", "closed"].contains(status) { throw Problem.validation([.init(field: "status", message: "must be open or closed")]) }
        self.init(box: box, zoom: zoom, category: category, status: status)
    }

    /// Snaps the box outwards to the grid of its zoom, so a crowd looking at nearly the same streets shares answers.
    package init(box: Box, zoom: Int, category: String?, status: String?) {
        let grid = zoom >= ReportMapFeed.pointsFromZoom ? 0.005 : Self.cellSize(zoom: zoom)
        self.box = Box(minLongitude: Self.down(box.minLongitude, grid), minLatitude: Self.down(box.minLatitude, grid),
                       maxLongitude: Self.up(box.maxLongitude, grid), maxLatitude: Self.up(box.maxLatitude, grid))
        self.zoom = zoom
        self.category = category
        self.status = status
    }

    /// `zoom` limits the span to what a large screen shows at that zoom (a dozen tiles), so nobody asks for the whole
    /// city one point at a time.
    /// The grid line at or below `value`. Division and multiplication can each round by an ulp, which once put the
    /// "snapped" edge inside the box (found by the fuzzer: 107.49 at a 0.005 grid): one more step outward fixes it.
    static func down(_ value: Double, _ grid: Double) -> Double {
        let line = (value / grid).rounded(.down) * grid
        return line > value ? line - grid : line
    }

    static func up(_ value: Double, _ grid: Double) -> Double {
        let line = (value / grid).rounded(.up) * grid
        return line < value ? line + grid : line
    }

    package static func box(_ text: String, zoom: Int = 0) throws -> Box {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.filter(\.isFinite)
        guard parts.count == 4, numbers.count == 4 else {
            throw Problem.validation([.init(field: "bbox", message: "must be four numbers: minLon,minLat,maxLon,maxLat")])
        }
        let box = Box(minLongitude: numbers[0], minLatitude: numbers[1], maxLongitude: numbers[2], maxLatitude: numbers[3])
        guard (-180...180).contains(box.minLongitude), (-180...180).contains(box.maxLongitude), (-90...90).contains(box.minLatitude),
              (-90...90).contains(box.maxLatitude)
        else { throw Problem.validation([.init(field: "bbox", message: "longitudes are -180 to 180 and latitudes -90 to 90")]) }
        guard box.minLongitude < box.maxLongitude, box.minLatitude < box.maxLatitude else {
            throw Problem.validation([.init(field: "bbox", message: "is inverted: the minimum comes first (minLon,minLat,maxLon,maxLat)")])
        }
        let span = min(maxSpan, max(0.05, 4 * cellSize(zoom: zoom) * 12))
        guard box.maxLongitude - box.minLongitude <= span, box.maxLatitude - box.minLatitude <= span else {
            throw Problem.validation([.init(field: "bbox", message: "is too large: at most \(span) degrees each way at zoom \(zoom)")])
        }
        return box
    }

    /// A quarter of a map tile's width at this zoom, in degrees: cells a few dozen pixels wide on screen.
    static func cellSize(zoom: Int) -> Double { 360 / Double(1 << min(max(zoom, 0), 22)) / 4 }

    var cellSize: Double { Self.cellSize(zoom: zoom) }

    var key: String {
        "\(zoom)|\(box.minLongitude)|\(box.minLatitude)|\(box.maxLongitude)|\(box.maxLatitude)|\(category ?? "")|\(status ?? "")"
    }

    /// The category and status conditions, appended to a WHERE clause.
    var filters: SQLQueryString {
        var filters: SQLQueryString = ""
        if let category { filters += " AND category = \(bind: category)" }
        if let status { filters += " AND is_open = \(bind: status == "open")" }
        return filters
    }
}
