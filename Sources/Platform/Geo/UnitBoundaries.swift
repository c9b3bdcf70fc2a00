import Foundation

/// Where the city and each of its units lie, from the profile's `boundaries.geojson`: one Feature per unit with the
/// property `unit` (the unit code); the feature of the root unit is the city's outline. Polygons and MultiPolygons
/// with holes are accepted, so official boundary files drop in without code changes.
public struct UnitBoundaries: Sendable {
    /// One unit's area: outer rings with their holes, `[longitude, latitude]` as GeoJSON writes them.
    public struct Area: Sendable {
        public var unit: String
        public var polygons: [[[GeoPoint]]]
        public var approximate: Bool
        public var centre: GeoPoint
        let box: (minLat: Double, maxLat: Double, minLon: Double, maxLon: Double)

        public init(unit: String, polygons: [[[GeoPoint]]], approximate: Bool) {
            self.unit = unit
            self.polygons = polygons
            self.approximate = approximate
            let outer = polygons.flatMap { $0.first ?? [] }
            let lats = outer.map(\.latitude), lons = outer.map(\.longitude)
            box = (lats.min() ?? 0, lats.max() ?? 0, lons.min() ?? 0, lons.max() ?? 0)
            // The mean of the outer vertices is close enough to place a label or pick the nearest unit.
            centre = GeoPoint(latitude: lats.reduce(0, +) / Double(max(lats.count, 1)), longitude: lons.reduce(0, +) / Double(max(lons.count, 1)))
        }

        public func contains(_ point: GeoPoint) -> Bool {
            guard point.latitude >= box.minLat, point.latitude <= box.maxLat, point.longitude >= box.minLon, point.longitude <= box.maxLon
            else { return false }
            return polygons.contains { rings in
                guard let outer = rings.first, Self.ring(outer, contains: point) else { return false }
                return !rings.dropFirst().contains { Self.ring($0, contains: point) }
            }
        }

        /// Even–odd ray casting; a point exactly on an edge may fall either side, which is fine for routing.
        static func ring(_ ring: [GeoPoint], contains point: GeoPoint) -> Bool {
            var inside = false
            var j = ring.count - 1
            for i in ring.indices {
                let a = ring[i], b = ring[j]
                if (a.latitude > point.latitude) != (b.latitude > point.latitude),
                   point.longitude < (b.longitude - a.longitude) * (point.latitude - a.latitude) / (b.latitude - a.latitude) + a.longitude {
                    inside.toggle()
                }
                j = i
            }
            return inside
        }
    }

    public let city: Area?
    public let areas: [Area]
    public let source: String?

    public var isApproximate: Bool { (city?.approximate ?? false) || areas.contains(where: \.approximate) }

    /// Whether a point lies inside the city (its outline, or any unit's area when the file has no outline).
    public func insideCity(_ point: GeoPoint) -> Bool {
        if let city { return city.contains(point) }
        return areas.contains { $0.contains(point) }
    }

    /// The unit whose area holds the point; when the point falls in a gap between areas, the unit with the nearest
    /// centre.
    public func unit(at point: GeoPoint) -> String? {
        if let area = areas.first(where: { $0.contains(point) }) { return area.unit }
        return areas.min { $0.centre.distance(to: point) < $1.centre.distance(to: point) }?.unit
    }

    public init(city: Area?, areas: [Area], source: String? = nil) {
        self.city = city
        self.areas = areas
        self.source = source
    }

    /// The profile's boundaries; nil when the city has not supplied any.
    public init?(profile: CityProfile) throws {
        guard let file = try profile.decodeFile("boundaries.geojson", as: GeoJSONFile.self) else { return nil }
        let root = profile.units.first { $0.parent == nil }?.code
        let known = Set(profile.units.map(\.code))
        var problems: [ConfigProblem] = []
        var city: Area?
        var areas: [Area] = []
        for (index, feature) in file.features.enumerated() {
            let key = "boundaries.geojson: features[\(index)]"
            guard let unit = feature.properties.unit, known.contains(unit) else {
                problems.append(ConfigProblem(key: key, message: "property 'unit' must name a unit of units.json"))
                continue
            }
            let polygons: [[[GeoPoint]]]
            switch feature.geometry {
            case .polygon(let rings): polygons = [rings]
            case .multiPolygon(let list): polygons = list
            }
            if polygons.contains(where: { $0.contains { $0.count < 4 } }) {
                problems.append(ConfigProblem(key: key, message: "a ring of '\(unit)' has fewer than 4 positions"))
                continue
            }
            let area = Area(unit: unit, polygons: polygons, approximate: feature.properties.approximate ?? false)
            if unit == root { city = area } else { areas.append(area) }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        self.init(city: city, areas: areas, source: file.source)
    }
}

struct GeoJSONFile: Decodable {
    struct Feature: Decodable {
        struct Properties: Decodable {
            var unit: String?
            var approximate: Bool?
        }

        var properties: Properties
        var geometry: Geometry
    }

    enum Geometry: Decodable {
        case polygon([[GeoPoint]])
        case multiPolygon([[[GeoPoint]]])

        private enum CodingKeys: String, CodingKey { case type, coordinates }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let point = { (pair: [Double]) throws -> GeoPoint in
                guard pair.count >= 2 else {
                    throw DecodingError.dataCorruptedError(forKey: .coordinates, in: container, debugDescription: "a position needs longitude and latitude")
                }
                return GeoPoint(latitude: pair[1], longitude: pair[0])
            }
            switch try container.decode(String.self, forKey: .type) {
            case "Polygon":
                self = .polygon(try container.decode([[[Double]]].self, forKey: .coordinates).map { try $0.map(point) })
            case "MultiPolygon":
                self = .multiPolygon(try container.decode([[[[Double]]]].self, forKey: .coordinates).map { try $0.map { try $0.map(point) } })
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "'\(other)' is not Polygon or MultiPolygon")
            }
        }
    }

    var source: String?
    var features: [Feature]
}
