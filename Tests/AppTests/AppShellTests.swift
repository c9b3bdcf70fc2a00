import App
import Foundation
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import Platform
import Testing

/// The site as an installable phone app: the manifest, the service worker, the offline page, and the layout's menu
/// button, task bar and page scripts, all from what the modules declare. (The browser side, offline filing and
/// phone-size layout, is tested in Chromium: Tests/interop/test_phone_app.py.)
@Suite struct AppShellTests {
    @Test func theManifestNamesTheCityAndOffersTheModulesTasksAsShortcuts() async throws {
        try await TestApp.run { client, _ in
            let response = try await client.send(.get, "/manifest.webmanifest", headers: [.acceptLanguage: "en"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/manifest+json")
            let manifest = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            #expect(manifest["start_url"] as? String == "/" && manifest["display"] as? String == "standalone")
            #expect((manifest["name"] as? String)?.contains("Hue") == true)
            let shortcuts = try #require(manifest["shortcuts"] as? [[String: Any]])
            #expect(shortcuts.compactMap { $0["url"] as? String } == ["/reports/new", "/dossiers", "/payments", "/notices"])
            #expect(shortcuts.first?["name"] as? String == "Report")
            let icons = try #require(manifest["icons"] as? [[String: String]])
            #expect(Set(icons.compactMap { $0["sizes"] }) == ["192x192", "512x512"])
            #expect(icons.contains { $0["purpose"] == "maskable" })
            for icon in icons {
                let image = try await client.send(.get, icon["src"] ?? "")
                #expect(image.status == .ok && image.headers[.contentType] == "image/png", "\(icon)")
                #expect(Array(Data(buffer: image.body).prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
            }
        }
    }

    @Test func theServiceWorkerIsServedFromTheRootWithTheAssetsItKeeps() async throws {
        try await TestApp.run { client, _ in
            let worker = try await client.send(.get, "/sw.js")
            #expect(worker.status == .ok)
            #expect(worker.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(worker.headers[.cacheControl] == "no-cache")
            let source = String(buffer: worker.body)
            #expect(!source.contains("__VERSION__") && !source.contains("__ASSETS__"))
            let version = try #require(source.firstMatch(of: /var VERSION = "([0-9a-f]{16})";/)?.1)
            #expect(version.count == 16)
            for asset in ["/static/app.css", "/static/app.js", "/static/report-queue.js", "/static/icons/icon-192.png"] {
                #expect(source.contains("\"\(asset)\""), "\(asset) is not kept for offline use")
                #expect(try await client.send(.get, asset).status == .ok)
            }
            let offline = try await client.send(.get, "/offline", headers: [.acceptLanguage: "vi"])
            #expect(offline.status == .ok && body(offline).contains("Không có kết nối"))
        }
    }

    @Test func pagesCarryTheMenuButtonTheTaskBarAndTheModulesScripts() async throws {
        try await TestApp.run { client, _ in
            let visitor = body(try await client.send(.get, "/"))
            #expect(visitor.contains(#"id="menu-button""#) && visitor.contains(#"aria-controls="site-nav""#))
            #expect(visitor.contains(#"<link rel="manifest" href="/manifest.webmanifest">"#))
            #expect(visitor.contains(#"<script src="/static/report-queue.js" defer></script>"#))
            #expect(!visitor.contains("data-user="))
            // Visitors see every task (each asks them to sign in first).
            #expect(visitor.contains(#"<nav class="tasks""#) && visitor.contains(#"href="/reports/new""#))

            let session = try await browserSession(client, "citizen")
            let citizen = body(try await client.send(.get, "/", headers: [.cookie: "hues_session=\(session)"]))
            #expect(citizen.contains(#"data-user="citizen""#))
            let tasks = try #require(citizen.firstMatch(of: /<nav class="tasks"[^>]*>(.*?)<\/nav>/.dotMatchesNewlines())?.1)
            #expect(tasks.matches(of: /href="([^"]+)"/).map { String($0.1) } == ["/reports/new", "/dossiers", "/payments", "/notices"])
            // The one inline script, allowed by its hash and nothing else.
            let page = try await client.send(.get, "/")
            #expect(page.headers[.contentSecurityPolicy]?.contains("'sha256-qOhFsq0QMV2REqNwk5hGH5bZE9SkX6gt6yeyKdYPv+U='") == true)
            #expect(body(page).contains(#"<script>document.documentElement.classList.add("js")</script>"#))
        }
    }

    @Test func withoutFieldReportsAndPaymentsTheirTasksShortcutsAndScriptsAreGone() async throws {
        try await TestDatabase.using { test in
            let configuration = HuesConfiguration.testing(dataDirectory: test.folder, database: test.location)
            let runtime = try await HuesRuntime.make(configuration: configuration, without: ["field-reports", "payments"])
            defer { Task { await runtime.database.shutdown() } }
            try await runtime.migrate()
            let app = try await buildApplication(runtime: runtime)
            try await app.test(.router) { client in
                let home = body(try await client.send(.get, "/"))
                #expect(!home.contains("report-queue.js") && !home.contains(#"href="/reports/new""#) && home.contains(#"href="/dossiers""#))
                let manifest = String(buffer: try await client.send(.get, "/manifest.webmanifest").body)
                #expect(!manifest.contains("/reports/new") && !manifest.contains("/payments") && manifest.contains("/notices"))
                let worker = String(buffer: try await client.send(.get, "/sw.js").body)
                #expect(!worker.contains("report-queue.js") && !worker.contains("payment-status.js"))
            }
        }
    }
}
