import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Platform
import Testing

@Suite struct CatalogTests {
    @Test func citizensSeeTheServicesOpenToThemAndFindThemWithoutDiacritics() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
            let codes = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/services", token: citizen))
                .compactMap { $0["code"]?.string }
            #expect(codes.contains("phan-anh-hien-truong"))
            #expect(!codes.contains("giam-sat-nhiem-vu"), "a staff-only service")
            #expect(!codes.contains("gop-y-doanh-nghiep"), "a business-only service")
            let officer = try await client.signIn("officer", Demo.passwords["officer"] ?? "").access
            let staffCodes = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/services", token: officer))
                .compactMap { $0["code"]?.string }
            #expect(staffCodes.contains("giam-sat-nhiem-vu"))
            let found = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/services?q=phan%20anh"))
            #expect(found.compactMap { $0["code"]?.string } == ["phan-anh-hien-truong"])
            #expect(try await client.send(.get, "/api/v1/services?category=casino").status == .badRequest)
            let page = body(try await client.send(.get, "/services?q=dai%20noi", headers: [.cookie: "hues_lang=en"]))
            #expect(page.contains("Imperial City tickets"))
            #expect(page.contains("Tickets for the Hue Imperial City monuments"), "English descriptions on the English page")
        }
    }

    @Test func unitLeadersManageOnlyTheirUnitsServices() async throws {
        try await TestApp.run { client, _ in
            let leader = try await client.signIn("leader", Demo.passwords["leader"] ?? "").access
            let foreign = try await client.send(.post, "/api/v1/services", token: leader, json: """
                {"code":"phuong-y-te","name":"Y tế phường","category":"health","ownerUnit":"so-y-te","launchURL":"https://yte.example/"}
                """)
            #expect(foreign.status == .forbidden)
            let own = try await client.send(.post, "/api/v1/services", token: leader, json: """
                {"code":"phu-xuan-hop-dan","name":"Họp dân Phú Xuân","category":"public-services","ownerUnit":"phuong-phu-xuan",
                 "launchURL":"https://phuxuan.example/","client":{"type":"public","redirectURIs":["vn.hue.phuxuan:/callback"]}}
                """)
            #expect(own.status == .created, "\(body(own))")
            #expect(try client.json([String: AnyCodable].self, own)["clientSecret"] == nil, "public clients get no secret")
            #expect(try await client.send(.patch, "/api/v1/services/phu-xuan-hop-dan", token: leader, json: #"{"status":"maintenance"}"#).status == .ok)
            #expect(try await client.send(.patch, "/api/v1/services/dat-lich-kham", token: leader, json: #"{"status":"retired"}"#).status == .forbidden)
            let invalid = try await client.send(.post, "/api/v1/services", token: leader, json: """
                {"code":"X","name":"","category":"health","ownerUnit":"phuong-phu-xuan","launchURL":"ftp://x","client":{"type":"confidential","redirectURIs":["http://evil.example/cb"]}}
                """)
            #expect(invalid.status == .badRequest)
            let fields = Set(try problem(invalid)["errors"]?.array?.compactMap { $0["field"]?.string } ?? [])
            #expect(fields == ["code", "name", "launchURL", "client.redirectURIs[0]"])
        }
    }

    @Test func adminsRegisterFromThePageAndSeeTheSecretOnce() async throws {
        try await TestApp.run { client, _ in
            let session = try await browserSession(client, "admin")
            let page = try await client.send(.get, "/admin/services", headers: [.cookie: "hues_session=\(session)"])
            #expect(page.status == .ok)
            #expect(body(page).contains("dich-vu-cong"))
            let csrf = try #require(hiddenCSRF(in: body(page)))
            let fields = [("_csrf", csrf), ("code", "ve-tau-hoa"), ("name", "Vé tàu hỏa"), ("category", "transport"), ("ownerUnit", "so-xay-dung"),
                          ("launchURL", "https://vetau.example/"), ("audience", "everyone"), ("clientType", "confidential"),
                          ("redirectURIs", "https://vetau.example/cb")]
            let created = try await postForm(client, "/admin/services", formEncode(fields), cookies: "hues_session=\(session)")
            #expect(created.status == .created)
            let html = body(created)
            #expect(html.contains(#"<code id="client-id">ve-tau-hoa</code>"#))
            #expect(html.contains(#"id="client-secret">"#))
            let again = try await client.send(.get, "/admin/services", headers: [.cookie: "hues_session=\(session)"])
            #expect(!body(again).contains("client-secret"), "the secret is not shown again")
            let retired = try await postForm(client, "/admin/services/ve-tau-hoa", formEncode([("_csrf", csrf), ("status", "retired")]),
                                             cookies: "hues_session=\(session)")
            #expect(retired.status == .ok)
            #expect(try await client.send(.get, "/api/v1/services/ve-tau-hoa").status == .notFound, "a retired service leaves the public catalogue")
            let citizen = try await browserSession(client, "citizen")
            #expect(try await client.send(.get, "/admin/services", headers: [.cookie: "hues_session=\(citizen)"]).status == .forbidden)
        }
    }
}
