import Foundation

/// Where the maps' pieces come from: the tile server (OpenStreetMap's standard tiles unless the city runs its own, or
/// none at all, when maps show the wards and reports on a blank background) and the Leaflet library the platform
/// serves itself (Debian's libjs-leaflet and libjs-leaflet.markercluster; no CDN).
public struct MapSettings: Sendable, Equatable {
    public static let openStreetMap = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

    /// A tile URL template with `{z}`, `{x}` and `{y}`; nil: no tiles.
    public var tiles: String? = MapSettings.openStreetMap
    public var attribution = "© OpenStreetMap contributors"
    /// The folder holding leaflet.min.js, leaflet.css, leaflet.markercluster.min.js and their styles.
    public var libraryFolder = "/usr/share/javascript/leaflet"

    public init() {}

    /// The origin the tiles come from, for the pages' Content-Security-Policy (`img-src`).
    public var tileOrigin: String? {
        // `{s}` picks one of the server's subdomains (a, b, c): the policy allows them all.
        let template = tiles?.replacingOccurrences(of: "{s}.", with: "subdomain-wildcard.")
        guard let template, let url = URL(string: template.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
              let scheme = url.scheme, let host = url.host
        else { return nil }
        return "\(scheme)://\(host.replacingOccurrences(of: "subdomain-wildcard.", with: "*."))\(url.port.map { ":\($0)" } ?? "")"
    }

    package static func read(_ values: [String: String]) -> (MapSettings, [ConfigProblem]) {
        var settings = MapSettings()
        var problems: [ConfigProblem] = []
        if let tiles = values["HUES_MAP_TILES"], !tiles.isEmpty {
            if tiles == "none" {
                settings.tiles = nil
            } else if ["{z}", "{x}", "{y}"].allSatisfy(tiles.contains), tiles.hasPrefix("https://") || tiles.hasPrefix("http://"),
                      !tiles.contains("'"), !tiles.contains("\""), !tiles.contains(" "), !tiles.contains(";") {
                settings.tiles = tiles
            } else {
                problems.append(ConfigProblem(key: "HUES_MAP_TILES", message: "'\(tiles)' is not an http(s) tile URL with {z}, {x} and {y}, nor 'none'"))
            }
        }
        if let attribution = values["HUES_MAP_ATTRIBUTION"], !attribution.isEmpty { settings.attribution = attribution }
        if let folder = values["HUES_LEAFLET_DIR"], !folder.isEmpty { settings.libraryFolder = folder }
        return (settings, problems)
    }
}
