import App
import Foundation
import Hummingbird
import HummingbirdTesting
import Performance
import Testing

/// Decree 335 scores through the API: an officer sees their own, a leader their unit and enters its general parts,
/// the city's centre any unit; nobody assesses themselves or excuses their own delays.
@Suite struct OfficerPerformanceAPITests {
    func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], "\(String(buffer: response.body))")
    }

    func array(_ response: TestResponse) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]], "\(String(buffer: response.body))")
    }

    @Test func officersSeeTheirOwnLeadersTheirUnitAndEnterItsGeneralParts() async throws {
        try await TestApp.run { client, runtime in
            // The ward's officer resolves a pothole: one product of one standard unit.
            let report = try client.report(try await client.fileReport(fieldReport(), token: try await client.token("citizen")))
            _ = try await client.reportAction(report.code, "accept", token: try await client.token("ioc"))
            let officer = try await client.token("officer")
            _ = try await client.reportAction(report.code, "claim", token: officer)
            let resolved = try await client.reportAction(report.code, "resolve", token: officer, #"{"note":"Đã vá ổ gà."}"#)
            #expect(resolved.status == .ok, "\(String(buffer: resolved.body))")
            let performance = try #require(runtime.modules.compactMap { $0 as? PerformanceModule }.first)
            try await performance.projection.catchUp(logger: runtime.logger)

            let mine = try array(try await client.send(.get, "/api/v1/performance/officers/me", token: officer))
            let own = try #require(mine.first)
            #expect(mine.count == 1 && own["unit"] as? String == "phuong-phu-xuan" && own["productCount"] as? Int == 1)
            let products = try #require(own["products"] as? [[String: Any]])
            #expect(products.first?["action"] as? String == "resolve" && products.first?["subject"] as? String == "field-report:\(report.code)")
            #expect((own["explanation"] as? [String: String])?["vi"]?.contains("25 %") == true)
            let officerID = try #require(own["officerID"] as? String)
            #expect(try await client.send(.get, "/api/v1/performance/officers", token: officer).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/performance/officers/\(officerID)?unit=phuong-phu-xuan", token: officer).status == .ok)

            let leader = try await client.token("leader")
            let unit = try object(try await client.send(.get, "/api/v1/performance/officers", token: leader))
            let people = try #require(unit["officers"] as? [[String: Any]])
            let scored = try #require(people.first { $0["officerID"] as? String == officerID })
            #expect(scored["productCount"] as? Int == 1 && (scored["products"] as? [Any])?.isEmpty == true && scored["grade"] == nil)
            let leaderID = try #require(people.first { $0["leader"] as? Bool == true }?["officerID"] as? String)
            // An officer cannot read a colleague's or the leader's score, nor learn that they work there.
            #expect(try await client.send(.get, "/api/v1/performance/officers/\(leaderID)?unit=phuong-phu-xuan", token: officer).status == .notFound)
            #expect(try await client.send(.get, "/api/v1/performance/officers?unit=so-tai-chinh", token: leader).status == .forbidden)

            let period = try #require((unit["period"] as? [String: Any])?["label"] as? String)
            let entry = #"{"unit":"phuong-phu-xuan","period":"\#(period)","generalPoints":28,"note":"Chấp hành tốt"}"#
            let entered = try await client.send(.put, "/api/v1/performance/officers/\(officerID)/assessment", token: leader, json: entry)
            #expect(entered.status == .ok, "\(String(buffer: entered.body))")
            let graded = try object(try await client.send(.get, "/api/v1/performance/officers/\(officerID)?unit=phuong-phu-xuan", token: leader))
            #expect(graded["generalPoints"] as? Double == 28 && graded["grade"] != nil && graded["total"] != nil)
            // Not for oneself, not over 30, not by an officer, not for another unit.
            #expect(try await client.send(.put, "/api/v1/performance/officers/\(leaderID)/assessment", token: leader, json: entry).status == .forbidden)
            let tooMany = entry.replacingOccurrences(of: "28", with: "31")
            #expect(try await client.send(.put, "/api/v1/performance/officers/\(officerID)/assessment", token: leader, json: tooMany).status == .badRequest)
            #expect(try await client.send(.put, "/api/v1/performance/officers/\(officerID)/assessment", token: officer, json: entry).status == .forbidden)
            let elsewhere = entry.replacingOccurrences(of: "phuong-phu-xuan", with: "so-tai-chinh")
            #expect(try await client.send(.put, "/api/v1/performance/officers/\(officerID)/assessment", token: leader, json: elsewhere).status == .forbidden)
            // The leader's own general part is the level above's.
            let admin = try await client.token("admin")
            #expect(try await client.send(.put, "/api/v1/performance/officers/\(leaderID)/assessment", token: admin, json: entry).status == .ok)

            // The resolve was on time: nothing to excuse; a step that does not exist is not found.
            let seq = try #require(products.first?["seq"] as? Int)
            let excuse = #"{"reason":"Mưa lớn cả ngày"}"#
            #expect(try await client.send(.put, "/api/v1/performance/work/\(seq)/excuse", token: leader, json: excuse).status == .unprocessableContent)
            #expect(try await client.send(.put, "/api/v1/performance/work/\(seq)/excuse", token: officer, json: excuse).status == .forbidden)
            #expect(try await client.send(.put, "/api/v1/performance/work/999999999/excuse", token: leader, json: excuse).status == .notFound)
            #expect(try await client.send(.put, "/api/v1/performance/work/abc/excuse", token: leader, json: excuse).status == .notFound)

            // The city's centre names the unit; a citizen sees nothing.
            #expect(try await client.send(.get, "/api/v1/performance/officers", token: admin).status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/performance/officers?unit=phuong-phu-xuan", token: try await client.token("ioc")).status == .ok)
            #expect(try await client.send(.get, "/api/v1/performance/officers/me", token: try await client.token("citizen")).status == .forbidden)
        }
    }
}
