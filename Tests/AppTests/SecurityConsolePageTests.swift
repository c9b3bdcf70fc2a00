import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The SOC's console as analysts and units use it: the queue, an incident handled through its forms, event search,
/// rules with hits, the month's report with its charts, and a unit's own page; each page refuses who it should.
@Suite struct SecurityConsolePageTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    func submit(_ client: some TestClientProtocol, _ path: String, _ fields: String, token: String) async throws -> TestResponse {
        var headers = Self.form
        headers[.authorization] = "Bearer \(token)"
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: fields)) { $0 }
    }

    /// A unit's key, and one post of `lines` with it.
    func send(_ client: some TestClientProtocol, unit: String, _ lines: [String], soc: String) async throws {
        let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"\#(unit)","label":"console test"}"#)
        let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
        let sent = try await SecurityOperationsHTTPTests().post(client, key: key, lines)
        #expect(sent.status == .accepted)
    }

    static let blocked = #"{"@timestamp":"2026-11-20T03:00:00Z","host.name":"pc-px-020","event.category":"malware","event.type":"denied","Signature":"Win32/Adware.Agent.NSU"}"#
    static let probe = #"{"@timestamp":"2026-11-21T03:00:00Z","host.name":"fw-tc-01","event.category":"intrusion_detection","event.type":"denied","destination.port":"3389"}"#

    @Test func anAnalystWorksAnIncidentFromTheQueueToClosed() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            try await send(client, unit: "phuong-phu-xuan", [SecurityOperationsHTTPTests.mimikatz], soc: soc)
            let queue = body(try await client.send(.get, "/soc", token: soc))
            #expect(queue.contains("HackTool - Mimikatz Execution") && queue.contains("pc-px-017") && queue.contains("Phú Xuân"))
            let id = try #require(queue.firstMatch(of: /\/soc\/incidents\/([0-9a-f-]{36})/)).1
            let page = "/soc/incidents/\(id)"
            let opened = body(try await client.send(.get, page, token: soc))
            #expect(opened.contains(#"data-state="open""#) && !opened.contains("soc-error"))

            // Acknowledged, assigned by username, a note (shown as text, not markup), a refused close, then closed.
            #expect(try await submit(client, page + "/acknowledge", "", token: soc).headers[.location] == page)
            #expect(try await submit(client, page + "/assign", "assignee=leader", token: soc).headers[.location]?.contains("error=") == true)
            #expect(try await submit(client, page + "/assign", "assignee=soc", token: soc).headers[.location] == page)
            #expect(try await submit(client, page + "/notes", "body=%3Cscript%3Ealert(1)%3C%2Fscript%3E+isolated", token: soc).headers[.location] == page)
            let short = try await submit(client, page + "/close", "reason=x", token: soc)
            #expect(short.status == .seeOther && short.headers[.location] == page + "?error=reason")
            let refused = body(try await client.send(.get, page + "?error=reason", headers: [.authorization: "Bearer \(soc)", .cookie: "hues_lang=en"]))
            #expect(refused.contains("Say why it is closed, in 3 to 500 characters.") && refused.contains(#"data-state="acknowledged""#))
            // The address cannot put words of its own on the page.
            #expect(!body(try await client.send(.get, page + "?error=Call+0900+123+456", token: soc)).contains("soc-error"))
            #expect(try await submit(client, page + "/close", "reason=Reimaged+and+passwords+reset", token: soc).headers[.location] == page)
            let closed = body(try await client.send(.get, page, token: soc))
            #expect(closed.contains(#"data-state="closed""#) && closed.contains("Reimaged and passwords reset") && closed.contains("Hoàng Minh Tuấn"))
            #expect(closed.contains("&lt;script&gt;alert(1)&lt;/script&gt; isolated") && !closed.contains("<script>alert(1)"))
            #expect(!closed.contains(#"id="soc-close""#), "a closed incident offers no more steps")
            #expect(body(try await client.send(.get, "/soc?state=closed", token: soc)).contains(String(id)))
            #expect(!body(try await client.send(.get, "/soc", token: soc)).contains(String(id)))

            // The rule's hit is counted on the rules page; the event is found by host, its raw line with it.
            let rules = body(try await client.send(.get, "/soc/rules", token: soc))
            let row = try #require(rules.firstMatch(of: /data-rule="a642964e-bead-4bed-8910-1bb4d63e3b4d">.*?data-hits>(\d+)</.dotMatchesNewlines()))
            #expect(row.1 == "1")
            let events = body(try await client.send(.get, "/soc/events?host=pc-px-017", token: soc))
            #expect(events.contains("sekurlsa::logonpasswords") && events.components(separatedBy: "data-event=").count == 2)
            #expect(body(try await client.send(.get, "/soc/events?host=nobody", token: soc)).contains(#"id="soc-no-events""#))
            #expect(body(try await client.send(.get, "/soc/events?from=2026-13-01", token: soc)).contains(#"role="alert""#))
        }
    }

    @Test func theMonthlyReportDrawsItsChartsAndAUnitSeesOnlyItsOwn() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            try await send(client, unit: "phuong-phu-xuan", [Self.blocked, Self.blocked.replacingOccurrences(of: "03:00", with: "04:00")], soc: soc)
            try await send(client, unit: "so-tai-chinh", [Self.probe], soc: soc)
            let report = body(try await client.send(.get, "/soc/reports?month=2026-11", headers: [.authorization: "Bearer \(soc)", .cookie: "hues_lang=en"]))
            #expect(report.contains(#"<strong id="soc-blocked">3</strong>"#))
            // One bar per category and per unit, with its count written beside it.
            let categories = try #require(report.firstMatch(of: /id="soc-chart-category">(.*?)<\/svg>/.dotMatchesNewlines())).1
            #expect(categories.contains(">malware</text>") && categories.contains(">intrusion</text>") && categories.components(separatedBy: "<rect").count == 3)
            #expect(categories.contains("data-count>2</text>") && categories.contains("data-count>1</text>"))
            #expect(report.contains("month=2026-11&amp;format=csv"))
            // A month that cannot be read falls back to this one, and says so.
            #expect(body(try await client.send(.get, "/soc/reports?month=2026-99", token: soc)).contains(#"role="alert""#))

            // The ward's leader: their own blocked events only, their own computers, no console.
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let theirs = body(try await client.send(.get, "/soc/reports?month=2026-11", token: leader))
            #expect(theirs.contains(#"<strong id="soc-blocked">2</strong>"#))
            let unit = body(try await client.send(.get, "/soc/unit?unit=so-tai-chinh", token: leader))
            #expect(unit.contains(#"data-host="pc-px-020""#) && !unit.contains("fw-tc-01"))
            #expect(try await client.send(.get, "/soc", token: leader).status == .forbidden)
            #expect(try await client.send(.get, "/soc/events", token: leader).status == .forbidden)
            #expect(try await client.send(.get, "/soc/rules", token: leader).status == .forbidden)
            // The SOC chooses any unit.
            #expect(body(try await client.send(.get, "/soc/unit?unit=so-tai-chinh", token: soc)).contains(#"data-host="fw-tc-01""#))
        }
    }

    @Test func aUnitSeesItsIncidentButCannotActOnIt() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            try await send(client, unit: "phuong-phu-xuan", [SecurityOperationsHTTPTests.mimikatz], soc: soc)
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let unit = body(try await client.send(.get, "/soc/unit", token: leader))
            let id = try #require(unit.firstMatch(of: /\/soc\/incidents\/([0-9a-f-]{36})/)).1
            let page = body(try await client.send(.get, "/soc/incidents/\(id)", token: leader))
            #expect(page.contains("pc-px-017") && !page.contains(#"id="soc-close""#) && !page.contains(#"id="soc-note""#))
            #expect(!page.contains(#"id="soc-notes""#) && !page.contains(#"id="soc-assignee""#), "the analysts' notes and assignee are theirs")
            #expect(try await submit(client, "/soc/incidents/\(id)/close", "reason=not+mine+to+close", token: leader).status == .forbidden)
            // Another unit's leader neither sees it in their page nor by its address.
            let finance = try await client.signIn("finance", "demo-finance-2026").access
            #expect(!body(try await client.send(.get, "/soc/unit", token: finance)).contains(String(id)))
            #expect(try await client.send(.get, "/soc/incidents/\(id)", token: finance).status == .notFound)
        }
    }
}
