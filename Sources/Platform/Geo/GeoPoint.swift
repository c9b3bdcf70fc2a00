import Foundation

/// A WGS84 position as reporters and Open311 clients send it.
public struct GeoPoint: Codable, Sendable, Equatable, Hashable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    public var isValid: Bool {
        latitude.isFinite && longitude.isFinite && (-90...90).contains(latitude) && (-180...180).contains(longitude)
    }

    static let earthRadius = 6_371_008.8

    /// Great-circle distance in metres (haversine; good to well under a metre at city scale).
    public func distance(to other: GeoPoint) -> Double {
        let lat1 = latitude * .pi / 180, lat2 = other.latitude * .pi / 180
        let dLat = lat2 - lat1, dLon = (other.longitude - longitude) * .pi / 180
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat1) * cos(lat2) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * Self.earthRadius * asin(min(1, sqrt(a)))
    }
}

/// A fixed grid over the globe whose cell number is stored beside each point, so "what is near here" reads a few
/// index ranges instead of the whole table. Cells are 0.002° (about 220 m north–south), small enough that a
/// neighbourhood search touches little data and large enough that a search radius of up to 1 km spans few cells.
public enum GridCell {
    public static let size = 0.002
    static let columns: Int64 = Int64((360 / size).rounded()) + 1

    public static func of(_ point: GeoPoint) -> Int64 {
        let row = Int64(((point.latitude + 90) / size).rounded(.down))
        let column = Int64(((point.longitude + 180) / size).rounded(.down))
        return row * columns + column
    }

    /// Every cell that may hold a point within `radius` metres of `point`.
    public static func covering(_ point: GeoPoint, radius: Double) -> [Int64] {
        let latSpan = radius / 111_320
        let lonSpan = radius / (111_320 * max(cos(point.latitude * .pi / 180), 0.01))
        let rowLow = Int64(((point.latitude - latSpan + 90) / size).rounded(.down))
        let rowHigh = Int64(((point.latitude + latSpan + 90) / size).rounded(.down))
        let columnLow = Int64(((point.longitude - lonSpan + 180) / size).rounded(.down))
        let columnHigh = Int64(((point.longitude + lonSpan + 180) / size).rounded(.down))
        var cells: [Int64] = []
        for row in rowLow...rowHigh {
            for column in columnLow...columnHigh { cells.append(row * columns + column) }
        }
        return cells
    }
}
