import Foundation
import Platform
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsAreUsableForDevelopment() throws {
        let (configuration, problems) = HuesConfiguration.load(environment: [:])
        let loaded = try #require(configuration)
        #expect(problems.isEmpty)
        #expect(loaded.port == 8080)
        #expect(loaded.mode == .development)
        #expect(loaded.database == .sqlite(path: "./.hues/hues.sqlite"))
    }

    @Test func everyProblemIsReportedAtOnce() {
        let (configuration, problems) = HuesConfiguration.load(environment: [
            "HUES_MODE": "production", "HUES_PORT": "99999", "HUES_DATABASE_URL": "mysql://x", "HUES_LOG_LEVEL": "loud",
            "HUES_PUBLIC_URL": "http://city.example", "HUES_CITY_PROFILE": "/no/such/folder", "HUES_PORTT": "1",
        ])
        #expect(configuration == nil)
        let keys = Set(problems.filter { $0.severity == .error }.map(\.key))
        #expect(keys == ["HUES_PORT", "HUES_DATABASE_URL", "HUES_LOG_LEVEL", "HUES_PUBLIC_URL", "HUES_MASTER_KEY", "HUES_CITY_PROFILE"])
        #expect(problems.contains { $0.key == "HUES_PORTT" && $0.severity == .warning })
    }

    @Test func productionWithAMasterKeyAndHTTPSIsAccepted() throws {
        let key = Data(repeating: 1, count: 32).base64EncodedString()
        let (configuration, problems) = HuesConfiguration.load(environment: [
            "HUES_MODE": "production", "HUES_MASTER_KEY": key, "HUES_PUBLIC_URL": "https://hues.hue.gov.example/",
            "HUES_DATABASE_URL": "postgres://hues:secret@db.internal:5432/hues",
        ])
        let loaded = try #require(configuration, "\(problems)")
        #expect(loaded.publicBaseURL == "https://hues.hue.gov.example")
        #expect(loaded.database.description == "postgres://hues:***@db.internal:5432/hues")
    }

    @Test func aConfigFileIsReadAndTheEnvironmentWins() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hues-\(UUID()).env")
        try "# comment\nHUES_PORT=9000\nexport HUES_HOST=\"0.0.0.0\"\nHUES_LOG_FORMAT=text\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (configuration, _) = HuesConfiguration.load(environment: ["HUES_CONFIG_FILE": file.path, "HUES_PORT": "9100"])
        let loaded = try #require(configuration)
        #expect(loaded.port == 9100)
        #expect(loaded.host == "0.0.0.0")
        #expect(loaded.logFormat == .text)
    }

    @Test func databaseURLs() throws {
        #expect(try DatabaseLocation.parse("sqlite:/var/lib/hues/db.sqlite") == .sqlite(path: "/var/lib/hues/db.sqlite"))
        #expect(try DatabaseLocation.parse("sqlite::memory:") == .sqliteInMemory)
        #expect(throws: DatabaseLocation.ParseError.self) { try DatabaseLocation.parse("postgres://localhost") }
    }
}

@Suite struct MapSettingsTests {
    @Test func tilesAreATemplateWithZXYOrNoneAndTheirOriginGoesToTheImagePolicy() {
        let (defaults, none) = MapSettings.read([:])
        #expect(none.isEmpty && defaults.tiles == MapSettings.openStreetMap && defaults.tileOrigin == "https://tile.openstreetmap.org")
        let (own, _) = MapSettings.read(["HUES_MAP_TILES": "http://tiles.hue.gov.example:8081/osm/{z}/{x}/{y}.png"])
        #expect(own.tileOrigin == "http://tiles.hue.gov.example:8081")
        #expect(MapSettings.read(["HUES_MAP_TILES": "none"]).0.tiles == nil)
        #expect(MapSettings.read(["HUES_MAP_TILES": "https://{s}.tile.example.org/{z}/{x}/{y}.png"]).0.tileOrigin == "https://*.tile.example.org")
        for bad in ["tiles.example/{z}/{x}/{y}.png", "https://tiles.example/{z}/{x}.png", "https://a.example/{z}/{x}/{y}.png; script-src *",
                    "javascript:alert(1)/{z}/{x}/{y}"] {
            #expect(MapSettings.read(["HUES_MAP_TILES": bad]).1.map(\.key) == ["HUES_MAP_TILES"], "\(bad)")
        }
    }
}
