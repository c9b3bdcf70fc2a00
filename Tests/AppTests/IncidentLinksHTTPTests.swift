import App
import FieldReports
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Operations
import Testing

/// One thread from street to SOC: a river gauge that went silent raises an operations-centre alert, a citizen reports
/// the dead camera beside it, the SOC finds the password dumper on the machine behind both, links the three, and
/// each side finds the others from its own id.
@Suite struct IncidentLinksHTTPTests {
    func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    func raiseGaugeAlert(_ client: some TestClientProtocol, runtime: HuesRuntime, ioc: String) async throws -> String {
        #expect(try await client.send(.put, "/api/v1/operations/alert-rules/phu-xuan-bd3", token: ioc, json: OperationsAlertsHTTPTests.rule).status == .ok)
        let now = Date()
        for step in 0...3 {
            let at = ISO8601DateFormatter().string(from: now.addingTimeInterval(Double(step - 3) * 300))
            let reading = #"{"id":"urn:ngsi-ld:WaterLevelObserved:phu-xuan-1","type":"WaterLevelObserved","waterLevel":{"type":"Property","value":3.9,"observedAt":"\#(at)"}}"#
            #expect(try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert?options=update", token: ioc, json: "[\(reading)]").status.code < 300)
        }
        _ = try await runtime.require(OperationsModule.self).alerts.evaluate(logger: runtime.logger)
        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(buffer: try await client.send(.get, "/api/v1/operations/alerts", token: ioc).body)) as? [[String: Any]])
        return try #require(alerts.first?["id"] as? String)
    }

    @Test func anAlertAReportAndAnIncidentFindEachOther() async throws {
        try await TestApp.run { client, runtime in
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let citizen = try await client.signIn("citizen", "demo-citizen-2026").access
            let alert = try await raiseGaugeAlert(client, runtime: runtime, ioc: ioc)
            let report = try client.report(try await client.fileReport(fieldReport(), token: citizen)).code
            let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"phuong-phu-xuan","label":"ward AV"}"#)
            let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            #expect(try await SecurityOperationsHTTPTests().post(client, key: key, [SecurityOperationsHTTPTests.mimikatz]).status == .accepted)
            let incidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: soc))
            let incident = try #require(incidents.first?["id"]?.string)
            let linksPath = "/api/v1/security/incidents/\(incident)/links"

            // Only the SOC links, only to what exists, only kinds some module keeps.
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            #expect(try await client.send(.post, linksPath, token: leader, json: #"{"kind":"ioc-alert","reference":"\#(alert)"}"#).status == .forbidden)
            #expect(try await client.send(.post, linksPath, token: soc, json: #"{"kind":"camera","reference":"\#(alert)"}"#).status == .unprocessableContent)
            #expect(try await client.send(.post, linksPath, token: soc, json: #"{"kind":"ioc-alert","reference":"no-such-alert"}"#).status == .unprocessableContent)
            #expect(try await client.send(.post, linksPath, token: soc, json: #"{"kind":"field-report","reference":"\#(String(repeating: "9", count: 500))"}"#).status == .unprocessableContent)

            // Linked twice is linked once.
            for _ in 0..<2 { #expect(try await client.send(.post, linksPath, token: soc, json: #"{"kind":"ioc-alert","reference":"\#(alert)"}"#).status == .ok) }
            let linked = try object(try await client.send(.post, linksPath, token: soc, json: #"{"kind":"field-report","reference":"\#(report)"}"#))
            let links = try #require(linked["links"] as? [[String: Any]])
            #expect(links.map { "\($0["kind"] ?? ""):\($0["reference"] ?? "")" } == ["ioc-alert:\(alert)", "field-report:\(report)"])
            #expect((links.first?["title"] as? String)?.contains("phu-xuan-bd3") == true && links.last?["path"] as? String == "/reports/\(report)")

            // The way back: the alert and the report name the incident, for the operations centre and the ward's staff.
            let fromAlert = try object(try await client.send(.get, "/api/v1/operations/alerts/\(alert)", token: ioc))
            #expect((fromAlert["securityIncidents"] as? [[String: Any]])?.map { $0["id"] as? String } == [incident])
            #expect(fromAlert["rule"] as? String == "phu-xuan-bd3", "the alert's own fields are still there")
            let fromReport = try object(try await client.send(.get, "/api/v1/field-reports/\(report)", token: ioc))
            #expect((fromReport["securityIncidents"] as? [[String: Any]])?.first?["path"] as? String == "/soc/incidents/\(incident)")
            // The citizen who reported it is not shown the SOC's work.
            #expect(try object(try await client.send(.get, "/api/v1/field-reports/\(report)", token: citizen))["securityIncidents"] == nil)
            // On the screens too: the operations centre's alert list names the incident, and the report's page shows it to
            // the operations centre, never to the citizen or a visitor.
            #expect(body(try await client.send(.get, "/ioc/fragments/alerts", token: ioc)).contains(#"data-incident="\#(incident)""#))
            let reportPage = body(try await client.send(.get, "/reports/\(report)", token: ioc))
            #expect(reportPage.contains(#"id="security-incidents""#) && reportPage.contains(#"href="/soc/incidents/\#(incident)""#))
            #expect(!body(try await client.send(.get, "/reports/\(report)", token: citizen)).contains("security-incidents"))
            #expect(!body(try await client.send(.get, "/reports/\(report)")).contains("security-incidents"))

            // Each reader sees what their role shows elsewhere: an incident of the Department of Finance linked to the same
            // alert is not shown to the ward's leader reading the alert, and the ward's alert is not shown to the
            // department's leader reading their incident.
            let other = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"so-tai-chinh","label":"finance AV"}"#)
            let otherKey = try #require(try client.json([String: AnyCodable].self, other)["key"]?.string)
            #expect(try await SecurityOperationsHTTPTests().post(client, key: otherKey, [SecurityOperationsHTTPTests.mimikatz]).status == .accepted)
            let financeIncidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: soc))
            let financeIncident = try #require(financeIncidents.first { $0["unit"]?.string == "so-tai-chinh" }?["id"]?.string)
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(financeIncident)/links", token: soc,
                                          json: #"{"kind":"ioc-alert","reference":"\#(alert)"}"#).status == .ok)
            #expect(Set((try object(try await client.send(.get, "/api/v1/operations/alerts/\(alert)", token: ioc))["securityIncidents"] as? [[String: Any]] ?? [])
                .compactMap { $0["id"] as? String }) == [incident, financeIncident])
            #expect((try object(try await client.send(.get, "/api/v1/operations/alerts/\(alert)", token: leader))["securityIncidents"] as? [[String: Any]])?
                .compactMap { $0["id"] as? String } == [incident])
            let finance = try await client.signIn("finance", "demo-finance-2026").access
            #expect((try object(try await client.send(.get, "/api/v1/security/incidents/\(financeIncident)", token: finance))["links"] as? [Any])?.isEmpty == true)
            #expect((try object(try await client.send(.get, "/api/v1/security/incidents/\(financeIncident)", token: soc))["links"] as? [Any])?.count == 1)

            // The incident page shows both; an analyst removes one, and removing it again is a 404.
            let page = body(try await client.send(.get, "/soc/incidents/\(incident)", token: soc))
            #expect(page.contains(#"href="/reports/\#(report)""#) && page.contains(#"data-link="ioc-alert:\#(alert)""#))
            #expect(try await client.send(.delete, "\(linksPath)/ioc-alert/\(alert)", token: soc).status == .ok)
            #expect(try await client.send(.delete, "\(linksPath)/ioc-alert/\(alert)", token: soc).status == .notFound)
            #expect((try object(try await client.send(.get, "/api/v1/operations/alerts/\(alert)", token: ioc))["securityIncidents"] as? [[String: Any]])?
                .compactMap { $0["id"] as? String } == [financeIncident])

            // From the console's form too.
            var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .authorization: "Bearer \(soc)"]
            let form = try await client.execute(uri: "/soc/incidents/\(incident)/links", method: .post, headers: headers,
                                                body: ByteBuffer(string: "kind=ioc-alert&reference=\(alert)")) { $0 }
            #expect(form.headers[.location] == "/soc/incidents/\(incident)")
            headers[.cookie] = "hues_lang=en"
            let wrong = try await client.execute(uri: "/soc/incidents/\(incident)/links", method: .post, headers: headers,
                                                 body: ByteBuffer(string: "kind=ioc-alert&reference=nothing")) { $0 }
            #expect(wrong.headers[.location] == "/soc/incidents/\(incident)?error=reference")
            #expect(try await client.send(.get, "/api/v1/operations/alerts/\(alert)", token: ioc).status == .ok)
            #expect((try object(try await client.send(.get, "/api/v1/operations/alerts/\(alert)", token: ioc))["securityIncidents"] as? [Any])?.count == 2)
        }
    }
}
