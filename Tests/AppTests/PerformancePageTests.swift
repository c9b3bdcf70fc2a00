import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Performance
import Testing

/// The performance pages as a browser gets them: an officer's own score, a leader's unit with its charts, the city's
/// ranking for the operations centre, and nothing for those who may not see it.
@Suite struct PerformancePageTests {
    func get(_ client: some TestClientProtocol, _ uri: String, session: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: "hues_session=\(session)"]) { $0 }
    }

    @Test func officersLeadersAndTheCityEachSeeTheirPage() async throws {
        try await TestApp.run { client, runtime in
            let report = try client.report(try await client.fileReport(fieldReport(), token: try await client.token("citizen")))
            _ = try await client.reportAction(report.code, "accept", token: try await client.token("ioc"))
            let token = try await client.token("officer")
            _ = try await client.reportAction(report.code, "claim", token: token)
            #expect(try await client.reportAction(report.code, "resolve", token: token, #"{"note":"Đã vá."}"#).status == .ok)
            try await #require(runtime.modules.compactMap { $0 as? PerformanceModule }.first).projection.catchUp(logger: runtime.logger)

            let officer = try await browserSession(client, "officer")
            let mine = try await get(client, "/performance", session: officer)
            #expect(mine.status == .ok)
            #expect(body(mine).contains("id=\"score-phuong-phu-xuan\"") && body(mine).contains("field-report:\(report.code)"))
            #expect(body(mine).contains("Nghị định 335/2025"))
            #expect(try await get(client, "/performance/unit", session: officer).status == .forbidden)

            let leader = try await browserSession(client, "leader")
            let unit = try await get(client, "/performance/unit", session: leader)
            #expect(unit.status == .ok)
            let page = body(unit)
            #expect(page.contains("<svg") && page.contains("id=\"scorecard-chart\"") && page.contains("id=\"trend-chart\""))
            #expect(page.contains("766-2.1") && page.contains("id=\"unit-people\"") && page.contains("Trần Văn Minh"))
            // An indicator kept outside shows no points, not the unit's total.
            #expect(page.contains("<td>— / 18 (dữ liệu ngoài nền tảng)</td>"), "\(page)")
            #expect(try await get(client, "/performance/unit?unit=so-tai-chinh", session: leader).status == .forbidden)
            // Every computed figure links to its cases, and each case to its own page.
            #expect(page.contains("href=\"/performance/cases?indicator=766-5.2&amp;"))
            let cases = try await get(client, "/performance/cases?indicator=766-5.2", session: leader)
            #expect(cases.status == .ok && body(cases).contains("href=\"/reports/\(report.code)\""), "\(body(cases))")
            #expect(try await get(client, "/performance/cases?indicator=766-5.2&unit=so-tai-chinh", session: leader).status == .forbidden)
            #expect(try await get(client, "/performance/city", session: leader).status == .forbidden)

            let ioc = try await browserSession(client, "ioc")
            let city = try await get(client, "/performance/city?period=2026", session: ioc)
            #expect(city.status == .ok && body(city).contains("id=\"ranking-chart\"") && body(city).contains("/performance/unit?unit=phuong-phu-xuan"))
            #expect(try await get(client, "/performance/city?period=2026-13", session: ioc).status == .badRequest)
            #expect(try await get(client, "/performance", session: try await browserSession(client, "citizen")).status == .forbidden)
        }
    }
}
