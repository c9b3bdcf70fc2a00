import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Platform
import Testing

/// The operator's rate limits and quotas (`HUES_RATE_LIMITS`): per route, per client, first matching rule wins.
@Suite struct RateLimitTests {
    static let rateLimitName = HTTPField.Name("RateLimit-Remaining")!

    @Test func aRouteLimitAppliesToTheClientsItNamesEachOnItsOwnBudget() async throws {
        let rules = [
            try RateLimitRule(name: "officers", route: "GET /api/v1/*", clients: .role(.officer), perMinute: 600),
            try RateLimitRule(name: "signed-in-reads", route: "GET /api/v1/*", clients: .signedIn, perMinute: 2, burst: 3),
            try RateLimitRule(name: "anonymous-catalogue", route: "GET /api/v1/procedures", clients: .anonymous, perMinute: 1, burst: 2),
        ]
        try await TestApp.run(configure: { $0.rateLimits = RateLimitSettings(rules: rules) }) { client, _ in
            let citizen = try await client.token("citizen")
            let officer = try await client.token("officer")
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 { statuses.append(try await client.send(.get, "/api/v1/me", token: citizen).status) }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
            let refused = try await client.send(.get, "/api/v1/me", token: citizen)
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(String(buffer: refused.body).contains("2 requests a minute"))
            // The officer's own rule comes first and gives more; the citizen's spent budget is not theirs.
            for _ in 0..<10 { #expect(try await client.send(.get, "/api/v1/me", token: officer).status == .ok) }
            let counted = try await client.send(.get, "/api/v1/me", token: officer)
            #expect(counted.headers[Self.rateLimitName].flatMap { Int($0) }.map { $0 > 250 } == true)
            // A rule for one route leaves the others alone; the anonymous rule does not touch signed-in callers.
            #expect(try await client.send(.get, "/api/v1/procedures").status == .ok)
            #expect(try await client.send(.get, "/api/v1/procedures").status == .ok)
            #expect(try await client.send(.get, "/api/v1/procedures").status == .tooManyRequests)
            // Another spelling of the same route is the same route.
            #expect(try await client.send(.get, "/api/v1/procedures/").status == .tooManyRequests)
            #expect(try await client.send(.get, "//api/v1//procedures").status == .tooManyRequests)
            #expect(try await client.send(.get, "/open311/v2/services.json").status == .ok)
            // Made-up tokens are anonymous traffic to the limits: refused with 401 while the budget lasts, then 429.
            let guessed = try await client.send(.get, "/api/v1/procedures", headers: [.authorization: "Bearer guessed-token"])
            #expect(guessed.status == .tooManyRequests)
        }
    }

    @Test func aBadTokenIsAnsweredWith401AfterTheLimitsHaveCountedIt() async throws {
        let rules = [try RateLimitRule(name: "anonymous-me", route: "GET /api/v1/me", clients: .anonymous, perMinute: 1, burst: 2)]
        try await TestApp.run(configure: { $0.rateLimits = RateLimitSettings(rules: rules) }) { client, _ in
            var statuses: [HTTPResponse.Status] = []
            for attempt in 0..<3 {
                statuses.append(try await client.send(.get, "/api/v1/me", headers: [.authorization: "Bearer not-a-token-\(attempt)"]).status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests])
            #expect(try await client.send(.get, "/api/v1/me", headers: [.authorization: "Basic eDp5"]).status == .tooManyRequests)
            // A signed-in caller is not anonymous: their good token still works.
            let citizen = try await client.token("citizen")
            #expect(try await client.send(.get, "/api/v1/me", token: citizen).status == .ok)
        }
    }

    @Test func aDailyQuotaIsCountedInTheDatabaseSoEveryInstanceSharesIt() async throws {
        let rule = try RateLimitRule(name: "citizen-daily", route: "GET /api/v1/me", clients: .role(.citizen), perDay: 3)
        try await TestApp.run(configure: { $0.rateLimits = RateLimitSettings(rules: [rule]) }) { client, runtime in
            let citizen = try await client.token("citizen")
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 { statuses.append(try await client.send(.get, "/api/v1/me", token: citizen).status) }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
            let refused = try await client.send(.get, "/api/v1/me", token: citizen)
            let retryAfter = Int(refused.headers[.retryAfter] ?? "") ?? 0
            #expect((1...86_400).contains(retryAfter), "until the city's midnight")
            #expect(String(buffer: refused.body).contains("daily quota of 3"))
            // The operator sees the rule and today's count.
            let admin = try await client.token("admin")
            let listing = try await client.send(.get, "/api/v1/admin/rate-limits", token: admin)
            #expect(listing.status == .ok)
            let body = String(buffer: listing.body)
            #expect(body.contains(#""name":"citizen-daily""#) && body.contains(#""used":3"#) && body.contains(#""clients":"role:citizen""#))
            // Another instance (its own memory, the same database) sees the quota spent.
            let usage = try client.json(Listing.self, listing).today
            let account = try #require(usage.first { $0.rule == "citizen-daily" }?.client.split(separator: ":").last.map(String.init))
            let other = RequestLimits(settings: RateLimitSettings(rules: [rule]), quotas: DailyQuotas(database: runtime.database),
                                      timeZone: runtime.profile.calendar.timeZone)
            let principal = Principal(accountID: account, username: "citizen", displayName: "", grants: [RoleGrant(role: .citizen)],
                                      credential: .accessToken)
            await #expect(throws: Problem.self) {
                _ = try await other.admit([rule], principal: principal, address: "203.0.113.9", logger: Logger(label: "test"))
            }
            let stranger = Principal(accountID: "someone-else", username: "x", displayName: "", grants: [RoleGrant(role: .citizen)], credential: .accessToken)
            _ = try await other.admit([rule], principal: stranger, address: "203.0.113.9", logger: Logger(label: "test"))
            #expect(try await client.send(.get, "/api/v1/admin/rate-limits", token: citizen).status == .forbidden)
        }
    }

    struct Listing: Decodable {
        struct Usage: Decodable { var rule: String, client: String, used: Int }
        var today: [Usage]
    }

    @Test func instancesReservingBlocksNeverLetAClientPastItsQuota() async throws {
        try await TestApp.run { _, runtime in
            // The city's own today: a fixed date would become a day old counts are pruned from while the test runs.
            let timeZone = runtime.profile.calendar.timeZone
            let today = CityDay.of(Date(), in: timeZone), tomorrow = CityDay.of(Date().addingTimeInterval(86_400), in: timeZone)
            let instances = [DailyQuotas(database: runtime.database), DailyQuotas(database: runtime.database), DailyQuotas(database: runtime.database)]
            let admitted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<400 {
                    group.addTask {
                        try await instances[index % 3].take(rule: "partner", client: "client:tra-cuu", day: today, limit: 250, logger: Logger(label: "test"))
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            // Up to one unspent block per instance may be refused early; none admitted beyond the quota.
            #expect(admitted <= 250 && admitted >= 250 - 3 * 5, "\(admitted)")
            let nextDay = try await instances[0].take(rule: "partner", client: "client:tra-cuu", day: tomorrow, limit: 250, logger: Logger(label: "test"))
            #expect(nextDay)
        }
    }

    @Test func anIntegratedServiceSharesOneBudgetAcrossItsUsers() throws {
        let rule = try RateLimitRule(name: "partner", route: "* /api/v1/*", clients: .client("tra-cuu"), perMinute: 10)
        let general = try RateLimitRule(name: "everyone", route: "* /api/v1/*", perMinute: 100)
        func principal(_ id: String, client: String?) -> Principal {
            Principal(accountID: id, username: id, displayName: id, grants: [], credential: .accessToken, clientID: client)
        }
        let first = RequestLimits.firstMatch([rule, general], principal: principal("a", client: "tra-cuu"), address: "203.0.113.1")
        let second = RequestLimits.firstMatch([rule, general], principal: principal("b", client: "tra-cuu"), address: "203.0.113.2")
        #expect(first?.0.name == "partner" && first?.1 == "client:tra-cuu" && second?.1 == "client:tra-cuu")
        let own = RequestLimits.firstMatch([rule, general], principal: principal("a", client: nil), address: "203.0.113.1")
        #expect(own?.0.name == "everyone" && own?.1 == "account:a")
        let anonymous = RequestLimits.firstMatch([rule, general], principal: nil, address: "203.0.113.1")
        #expect(anonymous?.1 == "address:203.0.113.1")
        // An IPv6 line's whole /64 is one budget; IPv4, mapped or not, is the address.
        let v6 = RequestLimits.firstMatch([general], principal: nil, address: "2001:db8:a:b:1:2:3:4")?.1
        #expect(v6 == "address:2001:db8:a:b::/64" && v6 == RequestLimits.firstMatch([general], principal: nil, address: "2001:db8:a:b:ffff::9")?.1)
        #expect(IPNetwork.budgetKey("::ffff:203.0.113.7") == "::ffff:203.0.113.7" && IPNetwork.budgetKey("junk") == "junk")
        #expect(rule.covers(method: "DELETE", path: "/api/v1/me/push") && !rule.covers(method: "GET", path: "/open311/v2/services.json"))
        let dossier = try RateLimitRule(name: "dossier", route: "GET /api/v1/dossiers/:code/history", perMinute: 5)
        #expect(dossier.covers(method: "GET", path: "/api/v1/dossiers/HUE-2026-1/history") && dossier.covers(method: "HEAD", path: "/api/v1/dossiers/x/history"))
        #expect(!dossier.covers(method: "GET", path: "/api/v1/dossiers//history") && !dossier.covers(method: "GET", path: "/api/v1/dossiers/x/history/y"))
        let under = try RateLimitRule(name: "under", route: "GET /api/v1/dossiers/:code/*", perMinute: 5)
        #expect(under.covers(method: "GET", path: "/api/v1/dossiers/x/attachments/1") && !under.covers(method: "GET", path: "/api/v1/dossiers/x"))
    }

    @Test func aRulesFileWithMistakesStopsTheServerWithEachOneNamed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"""
            {"rules": [
              {"name": "ok", "route": "POST /open311/v2/requests.json", "clients": "anonymous", "perMinute": 30},
              {"name": "ok", "route": "GET /x", "perMinute": 5},
              {"name": "no-method", "route": "/api/v1/*", "perMinute": 5},
              {"name": "bad-clients", "route": "GET /api/v1/*", "clients": "role:mayor", "perMinute": 5},
              {"name": "nothing", "route": "GET /api/v1/*"},
              {"name": "huge", "route": "GET /api/v1/*", "perMinute": 99999999999},
              {"name": "Bad Name", "route": "GET /api/v1/*", "perDay": 5}
            ]}
            """#.utf8).write(to: file)
        let (configuration, problems) = HuesConfiguration.load(environment: ["HUES_RATE_LIMITS": file.path])
        #expect(configuration == nil)
        let messages = problems.filter { $0.key == "HUES_RATE_LIMITS" }.map(\.message)
        #expect(messages.count == 6, "\(messages)")
        #expect(messages.contains { $0.contains("used twice") } && messages.contains { $0.contains("'role:mayor'") || $0.contains("'mayor' is not a role") })
        #expect(HuesConfiguration.load(environment: ["HUES_RATE_LIMITS": "/nonexistent/limits.json"]).configuration == nil)
    }
}
