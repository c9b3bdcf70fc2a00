import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Platform
import Testing

/// The map feed the report maps draw from: GeoJSON of the reports in a box, counted per cell zoomed out and one by one
/// zoomed in; bad boxes are a 400 naming `bbox`; answers carry an ETag; the wards come as polygons. And the page: a
/// Leaflet map fed by it when Leaflet is installed, the SVG map drawn into the page when it is not.
@Suite struct ReportMapTests {
    static let hue = "107.50,16.40,107.68,16.56"

    func features(_ response: TestResponse) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        #expect(object["type"] as? String == "FeatureCollection")
        return try #require(object["features"] as? [[String: Any]])
    }

    func file(_ client: some TestClientProtocol, token: String, latitude: Double, longitude: Double) async throws {
        let filed = try await client.send(.post, "/api/v1/field-reports", token: token, json: """
            {"category": "encroachment", "description": "Quán lấn chiếm vỉa hè", "latitude": \(latitude), "longitude": \(longitude)}
            """)
        #expect(filed.status == .created, "\(body(filed))")
    }

    @Test func theFeedCountsZoomedOutAndListsZoomedIn() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            let business = try await client.token("business")
            try await file(client, token: citizen, latitude: 16.4637, longitude: 107.5909)
            try await file(client, token: business, latitude: 16.4639, longitude: 107.5911)
            try await file(client, token: business, latitude: 16.4900, longitude: 107.5600)

            let city = try await client.send(.get, "/api/v1/field-reports/map?bbox=\(Self.hue)&zoom=11")
            #expect(city.status == .ok && city.headers[.contentType] == "application/geo+json")
            let cells = try features(city)
            #expect(cells.compactMap { ($0["properties"] as? [String: Any])?["count"] as? Int }.reduce(0, +) == 3)
            #expect(cells.count == 2, "two reports a few metres apart share a cell, the third has its own")

            let street = try await client.send(.get, "/api/v1/field-reports/map?bbox=107.585,16.460,107.595,16.467&zoom=16")
            let points = try features(street)
            #expect(points.count == 2)
            for point in points {
                let properties = try #require(point["properties"] as? [String: Any])
                #expect((properties["code"] as? String)?.hasPrefix("PA-") == true && properties["status"] as? String == "open")
                let coordinates = try #require((point["geometry"] as? [String: Any])?["coordinates"] as? [Double])
                #expect(coordinates.count == 2 && (107.58...107.60).contains(coordinates[0]) && (16.46...16.47).contains(coordinates[1]))
            }
            let none = try await client.send(.get, "/api/v1/field-reports/map?bbox=107.585,16.460,107.595,16.467&zoom=16&status=closed")
            #expect(try features(none).isEmpty)

            let etag = try #require(street.headers[.eTag])
            #expect(street.headers[.cacheControl] == "public, max-age=10")
            let again = try await client.send(.get, "/api/v1/field-reports/map?bbox=107.585,16.460,107.595,16.467&zoom=16", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
        }
    }

    @Test func aBoxThatIsInvertedTooLargeOrNotNumbersIsA400() async throws {
        try await TestApp.run { client, _ in
            for query in ["", "bbox=", "bbox=1,2,3", "bbox=107.68,16.40,107.50,16.56", "bbox=100,10,110,20", "bbox=a,b,c,d",
                          "bbox=nan,16.4,107.6,16.5", "bbox=1e308,16.4,107.6,16.5", "bbox=-181,16.4,107.6,16.5", "bbox=107.5,16.4,107.6,16.5,1",
                          "bbox=\(Self.hue)&zoom=23", "bbox=\(Self.hue)&zoom=-1", "bbox=\(Self.hue)&zoom=99999999999999999999",
                          "bbox=\(Self.hue)&category=nope", "bbox=\(Self.hue)&status=maybe", "bbox=\(Self.hue)&zoom=18"] {
                let response = try await client.send(.get, "/api/v1/field-reports/map?\(query)")
                #expect(response.status == .badRequest, "\(query): \(response.status)")
                #expect(body(response).contains("\"field\""), "\(query) names its parameter")
            }
        }
    }

    @Test func theWardsComeAsPolygons() async throws {
        try await TestApp.run { client, _ in
            let response = try await client.send(.get, "/api/v1/field-reports/boundaries")
            let wards = try features(response)
            #expect(wards.count >= 30)
            #expect(wards.allSatisfy { ($0["geometry"] as? [String: Any])?["type"] as? String == "MultiPolygon" })
            #expect(wards.contains { ($0["properties"] as? [String: Any])?["name"] as? String == "Phường Phú Xuân" })
        }
    }

    @Test func thePageIsALeafletMapFedByTheFeedOrTheSVGMapWithoutLeaflet() async throws {
        try await TestApp.run(configure: { $0.map.libraryFolder = "/nonexistent" }) { client, _ in
            let page = body(try await client.send(.get, "/reports"))
            #expect(page.contains("<svg") && !page.contains("report-map.js"))
            #expect(try await client.send(.get, "/vendor/leaflet/leaflet.min.js").status == .notFound)
        }
        let leaflet = MapSettings().libraryFolder
        guard FileManager.default.fileExists(atPath: leaflet + "/leaflet.min.js") else {
            Issue.record("Leaflet is not installed at \(leaflet): apt-get install libjs-leaflet libjs-leaflet.markercluster (scripts/test does)")
            return
        }
        try await TestApp.run(configure: { $0.map.tiles = "https://tiles.example.org/{z}/{x}/{y}.png" }) { client, _ in
            let response = try await client.send(.get, "/reports")
            let page = body(response)
            #expect(page.contains(#"id="report-map""#) && page.contains(#"data-feed="/api/v1/field-reports/map""#) && !page.contains("<svg xmlns"))
            #expect(page.contains(#"data-tiles="https://tiles.example.org/{z}/{x}/{y}.png""#))
            #expect(response.headers[.contentSecurityPolicy]?.contains("img-src 'self' data: https://tiles.example.org;") == true)
            let library = try await client.send(.get, "/vendor/leaflet/leaflet.min.js")
            #expect(library.status == .ok && library.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(try await client.send(.get, "/vendor/leaflet/../../../etc/passwd").status == .notFound)
        }
    }
}
