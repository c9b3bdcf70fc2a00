import App
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import Platform
import Testing

@Suite struct IdentityHTTPTests {
    @Test func signInMeRefreshAndLogout() async throws {
        try await TestApp.run { client, _ in
            let tokens = try await client.signIn("officer", Demo.passwords["officer"] ?? "")
            let me = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/me", token: tokens.access))
            #expect(me["username"]?.string == "officer")
            #expect(me["roles"]?.array?.first?["unitCode"]?.string == "phuong-phu-xuan")

            let refreshed = try await client.send(.post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(tokens.refresh)"}"#)
            #expect(refreshed.status == .ok)
            let next = try client.json([String: AnyCodable].self, refreshed)
            let newRefresh = try #require(next["refresh_token"]?.string)
            #expect(newRefresh != tokens.refresh)

            // Replaying the old refresh token revokes the family, including the new one.
            let replay = try await client.send(.post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(tokens.refresh)"}"#)
            #expect(replay.status == .unauthorized)
            #expect(try problem(replay)["type"]?.string == "/problems/refresh-token-reused")
            #expect(try await client.send(.post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(newRefresh)"}"#).status == .unauthorized)

            let again = try await client.signIn("officer", Demo.passwords["officer"] ?? "")
            #expect(try await client.send(.post, "/api/v1/auth/logout", token: again.access, json: #"{"refresh_token":"\#(again.refresh)"}"#).status
                == .noContent)
            #expect(try await client.send(.post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(again.refresh)"}"#).status == .unauthorized)
        }
    }

    @Test func wrongPasswordsAndLockout() async throws {
        try await TestApp.run { client, _ in
            let wrong = try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"citizen","password":"nope-nope-nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(try problem(wrong)["type"]?.string == "/problems/invalid-credentials")
            let unknown = try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"nobody","password":"nope-nope-nope"}"#)
            #expect(try problem(unknown)["detail"]?.string == (try problem(wrong)["detail"]?.string))
            for _ in 2...4 { _ = try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"citizen","password":"nope-nope-nope"}"#) }
            let locked = try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"citizen","password":"nope-nope-nope"}"#)
            #expect(locked.status == .tooManyRequests)
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 800)
            let rightButLocked = try await client.send(.post, "/api/v1/auth/token",
                                                       json: #"{"username":"citizen","password":"\#(Demo.passwords["citizen"] ?? "")"}"#)
            #expect(rightButLocked.status == .tooManyRequests)
        }
    }

    @Test func forgedExpiredAndMalformedTokensAre401() async throws {
        let clock = TestClock()
        try await TestApp.run(clock: clock, configure: { $0.accessTokenLifetime = .seconds(60) }) { client, _ in
            let token = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
            #expect(try await client.send(.get, "/api/v1/me", token: token).status == .ok)
            var parts = token.split(separator: ".").map(String.init)
            parts[2] = String(parts[2].reversed())
            #expect(try await client.send(.get, "/api/v1/me", token: parts.joined(separator: ".")).status == .unauthorized)
            #expect(try await client.send(.get, "/api/v1/me", headers: [.authorization: "Basic Y2l0aXplbjpw"]).status == .unauthorized)
            clock.advance(by: 61)
            let expired = try await client.send(.get, "/api/v1/me", token: token)
            #expect(expired.status == .unauthorized)
            #expect(expired.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
        }
    }

    @Test func adminsManageAccountsAndEveryChangeIsAudited() async throws {
        try await TestApp.run { client, _ in
            let admin = try await client.signIn("admin", Demo.passwords["admin"] ?? "").access
            let bad = try await client.send(.post, "/api/v1/accounts", token: admin,
                                            json: #"{"username":"?","displayName":"","password":"1","kind":"staff","roles":[{"role":"officer"}]}"#)
            #expect(bad.status == .badRequest)
            #expect(try problem(bad)["errors"]?.array?.count == 4, "\(body(bad))")

            let created = try await client.send(.post, "/api/v1/accounts", token: admin, json: """
                {"username":"thu.le","displayName":"Lê Thị Thu","password":"a-long-password","kind":"staff",
                 "roles":[{"role":"officer","unitCode":"phuong-vy-da"}]}
                """)
            #expect(created.status == .created)
            let id = try #require(try client.json([String: AnyCodable].self, created)["id"]?.string)
            #expect(created.headers[.location] == "/api/v1/accounts/\(id)")
            #expect(try await client.send(.post, "/api/v1/accounts", token: admin, json: """
                {"username":"thu.le","displayName":"X","password":"a-long-password","kind":"citizen"}
                """).status == .conflict)

            let promoted = try await client.send(.put, "/api/v1/accounts/\(id)/roles", token: admin,
                                                 json: #"{"roles":[{"role":"unit_leader","unitCode":"phuong-vy-da"}]}"#)
            #expect(promoted.status == .ok)
            #expect(try await client.send(.post, "/api/v1/accounts/\(id)/disable", token: admin).status == .ok)
            let signIn = try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"thu.le","password":"a-long-password"}"#)
            #expect(signIn.status == .forbidden)

            let events = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/audit/events?limit=500", token: admin))
            let types = events["events"]?.array?.compactMap { $0["type"]?.string } ?? []
            #expect(types.contains("identity.account.created"))
            #expect(types.contains("identity.account.roles-changed"))
            #expect(types.contains("identity.account.disabled"))
            let verify = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/audit/verify", token: admin))
            #expect(verify["intact"]?.bool == true)
        }
    }

    @Test func citizensRegisterThemselvesButNotAsStaff() async throws {
        try await TestApp.run { client, _ in
            let registered = try await client.send(.post, "/api/v1/accounts/register",
                                                   json: #"{"username":"an.tran","displayName":"Trần An","password":"a-long-password","phone":"0912345678"}"#)
            #expect(registered.status == .created)
            let roles = try client.json([String: AnyCodable].self, registered)["roles"]?.array?.compactMap { $0["role"]?.string }
            #expect(roles == ["citizen"])
            let staff = try await client.send(.post, "/api/v1/accounts/register",
                                              json: #"{"username":"mallory","displayName":"M","password":"a-long-password","kind":"staff"}"#)
            #expect(staff.status == .badRequest)
        }
    }

    @Test func theOrgTreeIsPublic() async throws {
        try await TestApp.run { client, _ in
            let communes = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/org/units?kind=commune"))
            #expect(communes.count == 19)
            let city = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/org/units/hue"))
            #expect(city["unit"]?["name"]?.string == "Ủy ban nhân dân thành phố Huế")
            #expect((city["children"]?.array?.count ?? 0) >= 53)
            #expect(try await client.send(.get, "/api/v1/org/units/nowhere").status == .notFound)
            #expect(try await client.send(.get, "/api/v1/org/units?kind=district").status == .badRequest)
        }
    }
}
