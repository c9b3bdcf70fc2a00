import Platform

/// The GeoJSON an NGSI-LD GeoProperty holds: a Point, LineString or Polygon (and their Multi forms) with
/// longitude/latitude pairs inside the world, at most 10,000 positions.
enum GeoJSONCheck {
    static let types: [String: Int] = ["Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3]

    static func check(_ value: JSONValue?, attribute name: String) throws(NGSIError) {
        guard let members = value?.object, let type = members["type"]?.string, let depth = types[type], let coordinates = members["coordinates"] else {
            throw NGSIError(.badRequestData, "GeoProperty '\(name)' needs a GeoJSON geometry (type and coordinates).")
        }
        var positions = 0
        guard valid(coordinates, depth: depth, positions: &positions) else {
            throw NGSIError(.badRequestData, "GeoProperty '\(name)' has coordinates that are not [longitude, latitude] pairs of its geometry type.")
        }
    }

    private static func valid(_ value: JSONValue, depth: Int, positions: inout Int) -> Bool {
        guard let items = value.array else { return false }
        if depth == 0 {
            positions += 1
            guard positions <= 10_000, items.count == 2 || items.count == 3, let longitude = items[0].number, let latitude = items[1].number else { return false }
            return (-180...180).contains(longitude) && (-90...90).contains(latitude) && (items.count == 2 || items[2].number != nil)
        }
        return !items.isEmpty && items.allSatisfy { valid($0, depth: depth - 1, positions: &positions) }
    }
}
