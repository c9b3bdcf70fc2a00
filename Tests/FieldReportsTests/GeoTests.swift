import Foundation
import Platform
import Testing
@testable import FieldReports

@Suite struct GeoTests {
    @Test func demoBoundariesRouteAPointToItsWardAndKnowTheCityEdge() throws {
        let profile = try CityProfile.demo()
        let boundaries = try #require(try UnitBoundaries(profile: profile))
        #expect(boundaries.isApproximate)
        #expect(boundaries.areas.count == 40)
        #expect(boundaries.unit(at: GeoPoint(latitude: 16.474, longitude: 107.575)) == "phuong-phu-xuan")
        #expect(boundaries.unit(at: GeoPoint(latitude: 16.174, longitude: 107.72)) == "xa-khe-tre")
        #expect(boundaries.insideCity(GeoPoint(latitude: 16.4637, longitude: 107.5909)))
        // The East Sea off Thuan An, and Da Nang to the south.
        #expect(!boundaries.insideCity(GeoPoint(latitude: 16.75, longitude: 107.75)))
        #expect(!boundaries.insideCity(GeoPoint(latitude: 16.05, longitude: 108.2)))
        // Every unit's own centre lies in its own area.
        for area in boundaries.areas { #expect(boundaries.unit(at: area.centre) == area.unit, "\(area.unit)") }
    }

    @Test func polygonsWithHolesAndMultiPolygonsFromAnOfficialFile() throws {
        let square = { (lat: Double, lon: Double, size: Double) -> [GeoPoint] in
            [GeoPoint(latitude: lat, longitude: lon), GeoPoint(latitude: lat, longitude: lon + size), GeoPoint(latitude: lat + size, longitude: lon + size),
             GeoPoint(latitude: lat + size, longitude: lon), GeoPoint(latitude: lat, longitude: lon)]
        }
        let ward = UnitBoundaries.Area(unit: "ward", polygons: [[square(0, 0, 1), square(0.4, 0.4, 0.2)], [square(5, 5, 1)]], approximate: false)
        let island = UnitBoundaries.Area(unit: "island", polygons: [[square(0.45, 0.45, 0.1)]], approximate: false)
        let boundaries = UnitBoundaries(city: nil, areas: [ward, island])
        #expect(boundaries.unit(at: GeoPoint(latitude: 0.1, longitude: 0.1)) == "ward")
        #expect(boundaries.unit(at: GeoPoint(latitude: 5.5, longitude: 5.5)) == "ward")
        #expect(boundaries.unit(at: GeoPoint(latitude: 0.5, longitude: 0.5)) == "island")
        // In the hole but outside the island: nobody's area, so the nearest centre decides.
        #expect(boundaries.unit(at: GeoPoint(latitude: 0.41, longitude: 0.41)) != nil)
        #expect(!boundaries.insideCity(GeoPoint(latitude: 3, longitude: 3)))
    }

    @Test func gridCellsAroundAPointCoverEverythingWithinTheRadius() {
        let centre = GeoPoint(latitude: 16.4637, longitude: 107.5909)
        let cells = Set(GridCell.covering(centre, radius: 150))
        for bearing in stride(from: 0.0, to: 360, by: 15) {
            let radians = bearing * .pi / 180
            let point = GeoPoint(latitude: centre.latitude + 149 / 111_320 * cos(radians),
                                 longitude: centre.longitude + 149 / (111_320 * cos(centre.latitude * .pi / 180)) * sin(radians))
            #expect(centre.distance(to: point) < 150.5)
            #expect(cells.contains(GridCell.of(point)))
        }
        #expect(cells.count <= 9)
        #expect(abs(centre.distance(to: GeoPoint(latitude: 16.4737, longitude: 107.5909)) - 1111.95) < 0.5)  // 0.01° of latitude on the mean sphere
    }

    @Test func theDemoCategoriesAreValidAndBadOnesAreReportedTogether() throws {
        let profile = try CityProfile.demo()
        let settings = try #require(try ReportSettings.load(profile: profile, processes: ["field-report"]))
        #expect(settings.categories.count >= 10)
        #expect(settings.category("food-safety")?.isPublic == false)
        #expect(throws: ConfigurationError.self) { try ReportSettings.load(profile: profile, processes: []) }
    }
}
