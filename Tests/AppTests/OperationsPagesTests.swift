import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Operations
import Testing

/// The operations centre's screens as a browser gets them: every live figure as a tile, the units' map with each
/// ward's open reports, the sensor panels and the open alerts; the wall dark and without the site's chrome; and
/// nothing for those outside the centre.
@Suite struct OperationsPagesTests {
    func get(_ client: some TestClientProtocol, _ uri: String, session: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: "hues_session=\(session)"]) { $0 }
    }

    @Test func theCentreSeesItsScreensAndOthersDoNot() async throws {
        try await TestApp.run { client, runtime in
            let figures = try runtime.require(OperationsModule.self).figures
            let report = try client.report(try await client.fileReport(fieldReport(), token: try await client.token("citizen")))
            #expect(try await client.reportAction(report.code, "accept", token: try await client.token("ioc")).status == .ok)
            try await figures.round(logger: runtime.logger)

            let ioc = try await browserSession(client, "ioc")
            let page = body(try await get(client, "/ioc", session: ioc))
            for figure in figures.book.figures {
                #expect(page.contains("data-figure=\"\(figure.code)\""), "\(figure.code)")
            }
            #expect(page.contains("Trung tâm giám sát, điều hành đô thị thông minh") && page.contains("/static/ioc-live.js"))
            // The map draws the wards; the report's ward carries its count (the figure's, not the page's own sum).
            let ward = try #require(try await figures.values.value("field-reports.open", at: Date(), logger: runtime.logger)?.byUnit.first { $0.key == "phuong-phu-xuan" })
            #expect(page.contains("data-unit-count=\"phuong-phu-xuan\">\(ward.part)</text>"), "\(page)")
            #expect(page.components(separatedBy: "class=\"ioc-unit\"").count > 10)
            #expect(page.contains("data-fragment=\"/ioc/fragments/alerts\""))

            let wall = body(try await get(client, "/ioc/wall", session: ioc))
            #expect(wall.contains("<body class=\"ioc-wall\">") && !wall.contains("<header class=\"site\">"))
            #expect(wall.contains("data-figure=\"field-reports.overdue\""))
            // Fragments come alone, to be put in place by the script.
            let alerts = body(try await get(client, "/ioc/fragments/alerts", session: ioc))
            #expect(alerts.contains("Không có cảnh báo nào đang mở.") && !alerts.contains("<html"))
            let english = try await client.execute(uri: "/ioc/wall", method: .get, headers: [.cookie: "hues_session=\(ioc); hues_lang=en"]) { $0 }
            #expect(body(english).contains("Operations centre"))

            for username in ["citizen", "officer", "leader"] {
                let session = try await browserSession(client, username)
                for path in ["/ioc", "/ioc/wall", "/ioc/fragments/sensors", "/ioc/fragments/alerts"] {
                    #expect(try await get(client, path, session: session).status == .forbidden, "\(username) \(path)")
                }
            }
            #expect(try await client.execute(uri: "/ioc", method: .get) { $0 }.status == .seeOther)
        }
    }

    @Test func sensorPanelsDrawTheirDay() async throws {
        try await TestApp.run { client, runtime in
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            // A gauge's last three hours.
            let now = Date()
            let readings = (0..<3).map { hour in
                let at = ISO8601DateFormatter().string(from: now.addingTimeInterval(Double(hour - 2) * 3600))
                return #"{"id":"urn:ngsi-ld:WaterLevelObserved:dap-da","type":"WaterLevelObserved","name":{"type":"Property","value":"Đập Đá"},"waterLevel":{"type":"Property","value":\#(1.0 + Double(hour)),"observedAt":"\#(at)"}}"#
            }
            for reading in readings {
                #expect(try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert?options=update", token: ioc, json: "[\(reading)]").status.code < 300)
            }
            let session = try await browserSession(client, "ioc")
            let panels = body(try await get(client, "/ioc/fragments/sensors", session: session))
            #expect(panels.contains("Đập Đá") && panels.contains("3 <small>m</small>"), "\(panels)")
            // Three hours, from the lowest to the highest.
            let points = try #require(panels.components(separatedBy: "points=\"").dropFirst().first?.components(separatedBy: "\"").first)
            let ys = points.split(separator: " ").compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
            #expect(ys.count == 3 && ys == ys.sorted(by: >), "\(points)")
            // A station taken away leaves the screens (its history stays for the temporal API).
            #expect(try await client.send(.delete, "/ngsi-ld/v1/entities/urn:ngsi-ld:WaterLevelObserved:dap-da", token: ioc).status == .noContent)
            let after = body(try await get(client, "/ioc/fragments/sensors", session: session))
            #expect(!after.contains("Đập Đá") && after.contains("ioc-panel"), "\(after)")
        }
    }
}
