import App
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import NIOCore
import Platform
import Testing

/// The OpenID Connect provider through HTTP, as a relying party and a browser see it.
@Suite struct OpenIDProviderTests {
    static let redirect = "https://rp.example/callback"
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-longer-than-43"

    static var challenge: String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncoded
    }

    /// Registers a relying party through the catalogue API; returns its client id and secret.
    static func registerClient(_ client: some TestClientProtocol, code: String = "test-rp", type: String = "confidential",
                               minimumACR: String? = nil) async throws -> (id: String, secret: String?) {
        let admin = try await client.signIn("admin", Demo.passwords["admin"] ?? "").access
        let acr = minimumACR.map { #","minimumACR":"\#($0)""# } ?? ""
        let response = try await client.send(.post, "/api/v1/services", token: admin, json: """
            {"code":"\(code)","name":"Dịch vụ thử","category":"utilities","ownerUnit":"so-khoa-hoc-cong-nghe","launchURL":"https://rp.example/",
             "client":{"type":"\(type)","redirectURIs":["\(redirect)"],"postLogoutRedirectURIs":["https://rp.example/bye"]\(acr)}}
            """)
        #expect(response.status == .created, "\(body(response))")
        let registered = try client.json([String: AnyCodable].self, response)
        return (try #require(registered["clientID"]?.string), registered["clientSecret"]?.string)
    }

    static func authorizeQuery(_ clientID: String, scope: String = "openid profile email", extra: [(String, String)] = []) -> String {
        "/oauth2/authorize?" + formEncode([("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirect), ("scope", scope),
                                           ("state", "st-123"), ("nonce", "n-456"), ("code_challenge", challenge),
                                           ("code_challenge_method", "S256")] + extra)
    }

    /// Authorize as a signed-in browser, consenting if asked; returns the code.
    static func obtainCode(_ client: some TestClientProtocol, clientID: String, session: String) async throws -> String {
        let first = try await client.send(.get, authorizeQuery(clientID), headers: [.cookie: "hues_session=\(session)"])
        var location = first.headers[.location]
        if first.status == .ok {
            let html = body(first)
            #expect(html.contains("Dịch vụ thử"))
            let csrf = try #require(hiddenCSRF(in: html))
            let fields = [("_csrf", csrf), ("decision", "allow"), ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirect),
                          ("scope", "openid profile email"), ("state", "st-123"), ("nonce", "n-456"), ("code_challenge", challenge),
                          ("code_challenge_method", "S256")]
            let decided = try await postForm(client, "/oauth2/authorize", formEncode(fields), cookies: "hues_session=\(session)")
            #expect(decided.status == .found)
            location = decided.headers[.location]
        }
        #expect(location?.hasPrefix(redirect + "?") == true, "\(location ?? "no redirect")")
        let items = queryItems(location)
        #expect(items["state"] == "st-123")
        #expect(items["iss"] == "http://localhost:8080")
        return try #require(items["code"])
    }

    static func tokenRequest(_ client: some TestClientProtocol, _ fields: [(String, String)], basic: (String, String)? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let basic { headers[.authorization] = "Basic " + Data("\(basic.0):\(basic.1)".utf8).base64EncodedString() }
        return try await client.execute(uri: "/oauth2/token", method: .post, headers: headers, body: ByteBuffer(string: formEncode(fields))) { $0 }
    }

    @Test func discoveryAndKeys() async throws {
        try await TestApp.run { client, runtime in
            let discovery = try client.json([String: AnyCodable].self, try await client.send(.get, "/.well-known/openid-configuration"))
            #expect(discovery["issuer"]?.string == "http://localhost:8080")
            #expect(discovery["jwks_uri"]?.string == "http://localhost:8080/oauth2/jwks")
            #expect(discovery["code_challenge_methods_supported"]?.array?.compactMap(\.string) == ["S256"])
            #expect(discovery["id_token_signing_alg_values_supported"]?.array?.compactMap(\.string) == ["ES256"])
            #expect(discovery["end_session_endpoint"]?.string == "http://localhost:8080/oauth2/logout")
            let before = try client.json([String: AnyCodable].self, try await client.send(.get, "/oauth2/jwks"))["keys"]?.array ?? []
            #expect(before.count == 1)
            #expect(before.first?["kty"]?.string == "EC" && before.first?["crv"]?.string == "P-256")
            try await runtime.identity.tokens.rotate(by: .system, logger: runtime.logger)
            let after = try client.json([String: AnyCodable].self, try await client.send(.get, "/oauth2/jwks"))["keys"]?.array ?? []
            #expect(after.count == 2, "the retired key stays published until its tokens expire")
        }
    }

    @Test func theAuthorizationCodeFlowWithPKCE() async throws {
        try await TestApp.run { client, _ in
            let rp = try await Self.registerClient(client)
            let secret = try #require(rp.secret)
            let session = try await browserSession(client, "citizen")
            let code = try await Self.obtainCode(client, clientID: rp.id, session: session)

            let exchanged = try await Self.tokenRequest(client, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect),
                                                                 ("code_verifier", Self.verifier)], basic: (rp.id, secret))
            #expect(exchanged.status == .ok, "\(body(exchanged))")
            #expect(exchanged.headers[.cacheControl] == "no-store")
            let tokens = try client.json([String: AnyCodable].self, exchanged)
            let access = try #require(tokens["access_token"]?.string)
            let idToken = try jwtClaims(try #require(tokens["id_token"]?.string))
            #expect(idToken["iss"]?.string == "http://localhost:8080")
            #expect(idToken["aud"]?.array?.first?.string == rp.id || idToken["aud"]?.string == rp.id)
            #expect(idToken["nonce"]?.string == "n-456")
            #expect(idToken["acr"]?.string == "urn:hues:loa:1")
            #expect(idToken["amr"]?.array?.compactMap(\.string) == ["pwd"])
            #expect(idToken["name"]?.string == "Nguyễn Thị Hoa")
            #expect((idToken["auth_time"]?.int ?? 0) > 1_700_000_000)
            let expectedAtHash = Data(Data(SHA256.hash(data: Data(access.utf8))).prefix(16)).base64URLEncoded
            #expect(idToken["at_hash"]?.string == expectedAtHash)

            let info = try client.json([String: AnyCodable].self, try await client.send(.get, "/oauth2/userinfo", token: access))
            #expect(info["email"]?.string == "hoa@example.vn")
            #expect(info["phone_number"] == nil, "phone was not in the scope")
            // A relying party's token is for userinfo, not the platform API (no hues.api scope).
            #expect(try await client.send(.get, "/api/v1/me", token: access).status == .unauthorized)

            // Second use of the code: refused, and the tokens it produced are revoked.
            let replay = try await Self.tokenRequest(client, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect),
                                                              ("code_verifier", Self.verifier)], basic: (rp.id, secret))
            #expect(try client.json([String: AnyCodable].self, replay)["error"]?.string == "invalid_grant")
            let refresh = try #require(tokens["refresh_token"]?.string)
            let afterReplay = try await Self.tokenRequest(client, [("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: (rp.id, secret))
            #expect(afterReplay.status == .badRequest)
        }
    }

    @Test func refreshRotatesAndAReplayRevokesTheFamily() async throws {
        try await TestApp.run { client, _ in
            let rp = try await Self.registerClient(client)
            let secret = try #require(rp.secret)
            let session = try await browserSession(client, "officer")
            let code = try await Self.obtainCode(client, clientID: rp.id, session: session)
            // client_secret_post this time.
            let tokens = try client.json([String: AnyCodable].self, try await Self.tokenRequest(client, [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect), ("code_verifier", Self.verifier),
                ("client_id", rp.id), ("client_secret", secret),
            ]))
            let first = try #require(tokens["refresh_token"]?.string)
            let rotated = try client.json([String: AnyCodable].self, try await Self.tokenRequest(client, [("grant_type", "refresh_token"),
                                                                                                     ("refresh_token", first)], basic: (rp.id, secret)))
            let second = try #require(rotated["refresh_token"]?.string)
            #expect(second != first)
            #expect(try jwtClaims(try #require(rotated["id_token"]?.string))["nonce"] == nil)
            let replay = try await Self.tokenRequest(client, [("grant_type", "refresh_token"), ("refresh_token", first)], basic: (rp.id, secret))
            #expect(try client.json([String: AnyCodable].self, replay)["error"]?.string == "invalid_grant")
            let revoked = try await Self.tokenRequest(client, [("grant_type", "refresh_token"), ("refresh_token", second)], basic: (rp.id, secret))
            #expect(revoked.status == .badRequest, "the whole family is revoked")
        }
    }

    @Test func badRequestsGetTheStandardErrorsAndNeverAnUnregisteredRedirect() async throws {
        try await TestApp.run { client, _ in
            let rp = try await Self.registerClient(client)
            let secret = try #require(rp.secret)
            let app = try await Self.registerClient(client, code: "test-app", type: "public")
            let session = try await browserSession(client, "citizen")
            let cookie: HTTPFields = [.cookie: "hues_session=\(session)"]

            let unknown = try await client.send(.get, Self.authorizeQuery("nobody"), headers: cookie)
            #expect(unknown.status == .badRequest && unknown.headers[.location] == nil)
            let wrongRedirect = try await client.send(.get, Self.authorizeQuery(rp.id).replacingOccurrences(of: "rp.example", with: "evil.example"),
                                                      headers: cookie)
            #expect(wrongRedirect.status == .badRequest && wrongRedirect.headers[.location] == nil)

            let badScope = try await client.send(.get, Self.authorizeQuery(rp.id, scope: "openid launch-missiles"), headers: cookie)
            #expect(badScope.status == .found)
            #expect(queryItems(badScope.headers[.location])["error"] == "invalid_scope")
            #expect(queryItems(badScope.headers[.location])["state"] == "st-123")
            let noOpenID = try await client.send(.get, Self.authorizeQuery(rp.id, scope: "profile"), headers: cookie)
            #expect(queryItems(noOpenID.headers[.location])["error"] == "invalid_scope")

            let withoutPKCE = "/oauth2/authorize?" + formEncode([("response_type", "code"), ("client_id", app.id), ("redirect_uri", Self.redirect),
                                                                 ("scope", "openid"), ("state", "s")])
            #expect(queryItems(try await client.send(.get, withoutPKCE, headers: cookie).headers[.location])["error"] == "invalid_request")

            let anonymous = try await client.send(.get, Self.authorizeQuery(rp.id, extra: [("prompt", "none")]))
            #expect(queryItems(anonymous.headers[.location])["error"] == "login_required")
            let toLogin = try await client.send(.get, Self.authorizeQuery(rp.id))
            #expect(toLogin.headers[.location]?.hasPrefix("/login?next=") == true)

            let code = try await Self.obtainCode(client, clientID: rp.id, session: session)
            let wrongVerifier = try await Self.tokenRequest(client, [("grant_type", "authorization_code"), ("code", code),
                                                                     ("redirect_uri", Self.redirect), ("code_verifier", String(repeating: "a", count: 50))],
                                                            basic: (rp.id, secret))
            #expect(try client.json([String: AnyCodable].self, wrongVerifier)["error"]?.string == "invalid_grant")
            let wrongSecret = try await Self.tokenRequest(client, [("grant_type", "authorization_code"), ("code", code)], basic: (rp.id, "nope"))
            #expect(wrongSecret.status == .unauthorized)
            #expect(wrongSecret.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            #expect(try client.json([String: AnyCodable].self, wrongSecret)["error"]?.string == "invalid_client")
            let grant = try await Self.tokenRequest(client, [("grant_type", "password"), ("username", "x")], basic: (rp.id, secret))
            #expect(try client.json([String: AnyCodable].self, grant)["error"]?.string == "unsupported_grant_type")
            let stranger = try await Self.tokenRequest(client, [("grant_type", "authorization_code"), ("code", code), ("client_id", app.id),
                                                                ("redirect_uri", Self.redirect), ("code_verifier", Self.verifier)])
            #expect(try client.json([String: AnyCodable].self, stranger)["error"]?.string == "invalid_grant", "a code belongs to its client")
        }
    }

    @Test func promptLoginAndMaxAgeAskForThePasswordAgain() async throws {
        try await TestApp.run { client, _ in
            let rp = try await Self.registerClient(client)
            let session = try await browserSession(client, "citizen")
            let cookie: HTTPFields = [.cookie: "hues_session=\(session)"]
            for extra in [[("prompt", "login")], [("max_age", "0")]] {
                let response = try await client.send(.get, Self.authorizeQuery(rp.id, extra: extra), headers: cookie)
                #expect(response.status == .found)
                let location = try #require(response.headers[.location])
                #expect(location.hasPrefix("/login?reauth=1&next="), "\(extra): \(location)")
                let form = try await client.send(.get, location, headers: cookie)
                #expect(form.status == .ok, "the sign-in form is shown although a session exists")
                #expect(body(form).contains(#"id="password""#))
            }
            // Without those, the same session goes straight on.
            #expect(try await client.send(.get, "/login?next=%2Fservices", headers: cookie).headers[.location] == "/services")
        }
    }

    @Test func servicesCanRequireAStrongerSignIn() async throws {
        try await TestApp.run { client, _ in
            let rp = try await Self.registerClient(client, minimumACR: "urn:hues:loa:2")
            let session = try await browserSession(client, "citizen")
            let response = try await client.send(.get, Self.authorizeQuery(rp.id), headers: [.cookie: "hues_session=\(session)"])
            #expect(response.status == .forbidden)
            #expect(body(response).contains("VNeID"))
        }
    }

    @Test func logoutReturnsOnlyToRegisteredAddresses() async throws {
        try await TestApp.run { client, _ in
            let rp = try await Self.registerClient(client)
            let secret = try #require(rp.secret)
            let session = try await browserSession(client, "citizen")
            let code = try await Self.obtainCode(client, clientID: rp.id, session: session)
            let tokens = try client.json([String: AnyCodable].self, try await Self.tokenRequest(client, [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect), ("code_verifier", Self.verifier),
            ], basic: (rp.id, secret)))
            let idToken = try #require(tokens["id_token"]?.string)
            let cookie: HTTPFields = [.cookie: "hues_session=\(session)"]

            let evil = try await client.send(.get, "/oauth2/logout?" + formEncode([("id_token_hint", idToken),
                                                                                   ("post_logout_redirect_uri", "https://evil.example/")]), headers: cookie)
            #expect(evil.status == .badRequest && evil.headers[.location] == nil)
            let out = try await client.send(.get, "/oauth2/logout?" + formEncode([("id_token_hint", idToken), ("post_logout_redirect_uri", "https://rp.example/bye"),
                                                                                  ("state", "bye-1")]), headers: cookie)
            #expect(out.status == .found)
            #expect(out.headers[.location] == "https://rp.example/bye?state=bye-1")
            #expect(try await client.send(.get, "/account", headers: cookie).status == .seeOther, "the session has ended")

            let revoke = try await client.execute(uri: "/oauth2/revoke", method: .post,
                                                  headers: [.contentType: "application/x-www-form-urlencoded",
                                                            .authorization: "Basic " + Data("\(rp.id):\(secret)".utf8).base64EncodedString()],
                                                  body: ByteBuffer(string: formEncode([("token", tokens["refresh_token"]?.string ?? "")]))) { $0 }
            #expect(revoke.status == .ok)
            let refresh = try await Self.tokenRequest(client, [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"]?.string ?? "")],
                                                      basic: (rp.id, secret))
            #expect(refresh.status == .badRequest)
        }
    }

    @Test func signInAttemptsAreRateLimitedPerAddress() async throws {
        // One a minute, so a loaded machine (the whole suite runs at once) cannot refill the bucket between attempts.
        try await TestApp.run(configure: { $0.signInRateLimit = 1 }) { client, _ in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                statuses.append(try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"x","password":"wrong-password"}"#).status)
            }
            #expect(statuses.first == .unauthorized)
            #expect(statuses.last == .tooManyRequests)
        }
    }
}
