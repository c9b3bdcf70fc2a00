import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Platform
import Testing

/// Signing in through the (demo) national identity provider, linking it to an account, and the stronger `acr`
/// that services requiring VNeID level 2 accept.
@Suite struct NationalIdentityTests {
    /// Runs the whole round trip through the demo provider; returns the new session cookie and where it lands.
    static func signInWithVNeID(_ client: some TestClientProtocol, number: String, next: String = "/account", session: String? = nil) async throws
        -> (session: String, location: String)
    {
        var cookies = session.map { "hues_session=\($0)" } ?? ""
        let start = try await client.send(.get, "/login/vneid?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                                          headers: [.cookie: cookies])
        #expect(start.status == .found)
        let upstream = try #require(cookie("hues_upstream", in: start))
        let authorize = try #require(start.headers[.location])
        #expect(authorize.hasPrefix("/mock-vneid/authorize?"))
        let page = try await client.send(.get, authorize)
        #expect(body(page).contains("Nguyễn Thị Hoa"))
        let csrf = try #require(cookie("hues_csrf", in: page))
        let items = queryItems(authorize)
        let fields = [("_csrf", csrf), ("number", number)] + ["redirect_uri", "state", "nonce", "code_challenge"].map { ($0, items[$0] ?? "") }
        let confirmed = try await postForm(client, "/mock-vneid/authorize", formEncode(fields), cookies: "hues_csrf=\(csrf)")
        #expect(confirmed.status == .found)
        let callback = try #require(confirmed.headers[.location])
        #expect(callback.hasPrefix("http://localhost:8080/login/vneid/callback?"))
        cookies += (cookies.isEmpty ? "" : "; ") + "hues_upstream=\(upstream)"
        let returned = try await client.send(.get, String(callback.dropFirst("http://localhost:8080".count)), headers: [.cookie: cookies])
        #expect(returned.status == .seeOther, "\(body(returned))")
        return (try #require(cookie("hues_session", in: returned)), returned.headers[.location] ?? "")
    }

    @Test func aFirstVNeIDSignInOpensACitizenAccountAndTheNextOneFindsIt() async throws {
        try await TestApp.run { client, runtime in
            let first = try await Self.signInWithVNeID(client, number: "046085004321")
            #expect(first.location == "/account")
            let page = body(try await client.send(.get, "/account", headers: [.cookie: "hues_session=\(first.session)"]))
            #expect(page.contains("Trần Quang Huy"))
            #expect(page.contains("vneid-046085004321"))
            _ = try await Self.signInWithVNeID(client, number: "046085004321")
            let matching = try await runtime.identity.accounts.list(search: "vneid-046085004321", logger: runtime.logger)
            #expect(matching.total == 1)
        }
    }

    @Test func aSignedInCitizenLinksVNeIDAndMeetsALevel2Service() async throws {
        try await TestApp.run { client, _ in
            let rp = try await OpenIDProviderTests.registerClient(client, minimumACR: "urn:hues:loa:2")
            let password = try await browserSession(client, "citizen")
            let refused = try await client.send(.get, OpenIDProviderTests.authorizeQuery(rp.id), headers: [.cookie: "hues_session=\(password)"])
            #expect(refused.status == .forbidden)
            #expect(body(refused).contains("/login/vneid?next="))

            let linked = try await Self.signInWithVNeID(client, number: "046190001234", next: OpenIDProviderTests.authorizeQuery(rp.id), session: password)
            #expect(linked.location.hasPrefix("/oauth2/authorize?"))
            let account = body(try await client.send(.get, "/account", headers: [.cookie: "hues_session=\(linked.session)"]))
            #expect(account.contains("Nguyễn Thị Hoa") && account.contains(">citizen<"), "linked to the existing account, not a new one")

            let code = try await OpenIDProviderTests.obtainCode(client, clientID: rp.id, session: linked.session)
            let exchanged = try await OpenIDProviderTests.tokenRequest(client, [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", OpenIDProviderTests.redirect),
                ("code_verifier", OpenIDProviderTests.verifier),
            ], basic: (rp.id, rp.secret ?? ""))
            let idToken = try jwtClaims(try #require(try client.json([String: AnyCodable].self, exchanged)["id_token"]?.string))
            #expect(idToken["acr"]?.string == "urn:hues:loa:2")
            #expect(idToken["amr"]?.array?.compactMap(\.string) == ["fed", "mfa"])
        }
    }

    @Test func aCallbackThatDidNotStartHereIsRefused() async throws {
        try await TestApp.run { client, _ in
            let forged = try await client.send(.get, "/login/vneid/callback?code=abc&state=xyz", headers: [.accept: "text/html"])
            #expect(forged.status == .badRequest)
            #expect(forged.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("hues_session=") || $0.hasPrefix("hues_session=;") })
        }
    }
}
