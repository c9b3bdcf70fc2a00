import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Operations
import Testing

/// Alert rules and alerts over HTTP: the operations centre keeps the rules, a river gauge past its threshold raises
/// an alert its ward's leader is told of, sees, acknowledges and closes; others do not see it.
@Suite struct OperationsAlertsHTTPTests {
    static let rule = #"""
        {"code":"phu-xuan-bd3","name":{"vi":"Mực nước vượt báo động 3","en":"Water above alarm 3"},"severity":"critical",
         "entityType":"WaterLevelObserved","entityPrefix":"urn:ngsi-ld:WaterLevelObserved:phu-xuan","attribute":"waterLevel",
         "comparison":">=","threshold":3.5,"sustainedMinutes":10,"unit":"phuong-phu-xuan"}
        """#

    func json(_ response: TestResponse) throws -> Any { try JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [.fragmentsAllowed]) }

    @Test func aGaugePastItsThresholdRaisesAnAlertItsWardHandles() async throws {
        try await TestApp.run { client, runtime in
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let citizen = try await client.signIn("citizen", "demo-citizen-2026").access
            #expect(try await client.send(.put, "/api/v1/operations/alert-rules/phu-xuan-bd3", token: leader, json: Self.rule).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/operations/alerts", token: citizen).status == .forbidden)
            let bad = try await client.send(.put, "/api/v1/operations/alert-rules/phu-xuan-bd3", token: ioc,
                                            json: Self.rule.replacingOccurrences(of: #""sustainedMinutes":10"#, with: #""sustainedMinutes":99999"#)
                                                .replacingOccurrences(of: "phuong-phu-xuan", with: "nowhere"))
            #expect(bad.status == .unprocessableContent)
            #expect(body(bad).contains("sustainedMinutes") && body(bad).contains("unit"))
            #expect(try await client.send(.put, "/api/v1/operations/alert-rules/phu-xuan-bd3", token: ioc, json: Self.rule).status == .ok)
            // The demo's own rules are there too.
            let codes = (try json(try await client.send(.get, "/api/v1/operations/alert-rules", token: ioc)) as? [[String: Any]])?.compactMap { $0["code"] as? String }
            #expect(codes == ["kim-long-bd2", "kim-long-bd3", "phu-xuan-bd3", "pm25-qcvn"])

            // Readings every five minutes for the last quarter of an hour, all past 3.5 m.
            let now = Date()
            let readings = (0...3).map { step in
                let at = ISO8601DateFormatter().string(from: now.addingTimeInterval(Double(step - 3) * 300))
                return #"{"id":"urn:ngsi-ld:WaterLevelObserved:phu-xuan-1","type":"WaterLevelObserved","waterLevel":{"type":"Property","value":\#(3.6 + Double(step) / 10),"observedAt":"\#(at)"}}"#
            }
            for reading in readings {
                #expect(try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert?options=update", token: ioc, json: "[\(reading)]").status.code < 300)
            }
            _ = try await runtime.require(OperationsModule.self).alerts.evaluate(logger: runtime.logger)
            let listed = try #require(try json(try await client.send(.get, "/api/v1/operations/alerts?state=open", token: leader)) as? [[String: Any]])
            #expect(listed.count == 1)
            let id = try #require(listed.first?["id"] as? String)
            #expect(listed.first?["subject"] as? String == "urn:ngsi-ld:WaterLevelObserved:phu-xuan-1" && listed.first?["severity"] as? String == "critical")
            let notices = body(try await client.send(.get, "/api/v1/notices", token: leader))
            #expect(notices.contains("Mực nước vượt báo động 3"))

            // A leader of another ward neither sees nor touches it.
            let admin = try await client.signIn("admin", "demo-admin-2026").access
            _ = try await client.send(.post, "/api/v1/accounts", token: admin, json: """
                {"username":"leader-kl","displayName":"Lãnh đạo Kim Long","password":"a-long-password-2026","kind":"staff","roles":[{"role":"unit_leader","unitCode":"phuong-kim-long"}]}
                """)
            let other = try await client.signIn("leader-kl", "a-long-password-2026").access
            #expect((try json(try await client.send(.get, "/api/v1/operations/alerts", token: other)) as? [Any])?.isEmpty == true)
            #expect(try await client.send(.post, "/api/v1/operations/alerts/\(id)/acknowledge", token: other).status == .notFound)

            #expect(try await client.send(.post, "/api/v1/operations/alerts/\(id)/acknowledge", token: leader).status == .ok)
            #expect(try await client.send(.post, "/api/v1/operations/alerts/\(id)/acknowledge", token: leader).status == .conflict)
            #expect(try await client.send(.post, "/api/v1/operations/alerts/\(id)/assign", token: leader, json: #"{"assignee":"officer"}"#).status == .forbidden)
            #expect(try await client.send(.post, "/api/v1/operations/alerts/\(id)/assign", token: ioc, json: #"{"assignee":"nobody-here"}"#).status == .unprocessableContent)
            let assigned = try await client.send(.post, "/api/v1/operations/alerts/\(id)/assign", token: ioc, json: #"{"assignee":"officer"}"#)
            #expect(try assigned.status == .ok && (json(assigned) as? [String: Any])?["assignedTo"] as? String != nil)
            #expect(try await client.send(.post, "/api/v1/operations/alerts/\(id)/close", token: leader, json: #"{"reason":"x"}"#).status == .unprocessableContent)
            let closed = try await client.send(.post, "/api/v1/operations/alerts/\(id)/close", token: leader, json: #"{"reason":"Đã sơ tán, nước đang rút"}"#)
            #expect(try closed.status == .ok && (json(closed) as? [String: Any])?["state"] as? String == "closed")
            #expect(try await client.send(.post, "/api/v1/operations/alerts/\(id)/close", token: leader, json: #"{"reason":"again"}"#).status == .conflict)
            // The alert is an NGSI-LD entity too.
            let entity = try await client.send(.get, "/ngsi-ld/v1/entities/urn:ngsi-ld:Alert:\(id)", token: ioc)
            #expect(body(entity).contains("\"closed\"") && body(entity).contains("naturalDisaster"))
        }
    }
}
