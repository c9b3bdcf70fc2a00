import Foundation
import Hummingbird
import Platform

/// What makes the site an installable app: the web app manifest (name, icons, colours, and the modules' main tasks
/// as shortcuts), the service worker that keeps the shell for offline use, and the page it shows without signal.
public struct AppShell: Sendable {
    let assets: StaticAssets
    let renderer: PageRenderer
    let city: CityProfile.City
    let worker: String

    static let themeColor = "#5b2a86"
    static let backgroundColor = "#fbfaf7"

    /// - Throws: when the worker's source is missing from the Web module's resources (a broken build).
    public init(assets: StaticAssets, vendor: VendorAssets, renderer: PageRenderer, city: CityProfile.City) throws {
        guard let folder = WebResources.shared?.folder,
              let source = try? String(contentsOf: folder.appendingPathComponent("worker/sw.js"), encoding: .utf8)
        else { throw ConfigurationError(problems: [ConfigProblem(key: "web", message: "the service worker's source (worker/sw.js) is missing")]) }
        self.assets = assets
        self.renderer = renderer
        self.city = city
        let list = String(decoding: try JSONSerialization.data(withJSONObject: assets.paths + vendor.paths, options: [.withoutEscapingSlashes]), as: UTF8.self)
        self.worker = source.replacingOccurrences(of: "__VERSION__", with: assets.version).replacingOccurrences(of: "__ASSETS__", with: list)
    }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/manifest.webmanifest", access: .everyone, kind: .system, summary: "Web app manifest (install the site as an app)") { _, context in
            let body = try JSONSerialization.data(withJSONObject: manifest(language: context.language), options: [.sortedKeys, .withoutEscapingSlashes])
            return Response(status: .ok, headers: [.contentType: "application/manifest+json", .cacheControl: "public, max-age=3600", .vary: "Accept-Language, Cookie"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        routes.on(.get, "/sw.js", access: .everyone, kind: .system, summary: "The service worker (offline shell)") { _, _ in
            // Browsers check for a new worker on navigation; no-cache makes every check reach the server.
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(string: worker)))
        }
        routes.on(.get, "/offline", access: .everyone, kind: .page, summary: "What the installed app shows without signal") { _, context in
            let words = renderer.translations.table(for: context.language)
            return try renderer.page("message", title: "offline_title", context: context,
                                     values: ["heading": words["offline_title"] ?? "", "text": words["offline_text"] ?? ""])
        }
    }

    /// The manifest in the visitor's language: the city's name, the icons, and a shortcut per main task.
    func manifest(language: String) -> [String: Any] {
        let words = renderer.translations.table(for: language)
        let cityName = language == "vi" ? city.name : (city.nameEn ?? city.name)
        let icons: [[String: String]] = [
            ["src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"],
            ["src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"],
            ["src": "/static/icons/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"],
        ]
        let shortcuts: [[String: Any]] = renderer.chrome.tasks.map { task in
            ["name": words[task.label] ?? task.label, "url": task.path, "icons": [["src": "/static/icons/icon-192.png", "sizes": "192x192"]]]
        }
        return [
            "id": "/", "name": "HueS · \(cityName)", "short_name": "HueS", "lang": language, "start_url": "/", "scope": "/",
            "display": "standalone", "theme_color": Self.themeColor, "background_color": Self.backgroundColor, "icons": icons,
            "shortcuts": shortcuts,
            "description": words["home_lead"] ?? "",
        ]
    }
}
