import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Platform
import Testing

/// A person sees which city services they let use their account and withdraws that consent (Law 91/2025 Art. 4).
@Suite struct ConsentTests {
    @Test func aPersonWithdrawsConsentAndTheServiceMustAskAgain() async throws {
        try await TestApp.run { client, runtime in
            let rp = try await OpenIDProviderTests.registerClient(client)
            let secret = try #require(rp.secret)
            let session = try await browserSession(client, "citizen")
            let code = try await OpenIDProviderTests.obtainCode(client, clientID: rp.id, session: session)
            let tokens = try client.json([String: AnyCodable].self, try await OpenIDProviderTests.tokenRequest(client, [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", OpenIDProviderTests.redirect),
                ("code_verifier", OpenIDProviderTests.verifier), ("client_id", rp.id), ("client_secret", secret),
            ]))
            let refresh = try #require(tokens["refresh_token"]?.string)
            let serviceToken = try #require(tokens["access_token"]?.string)

            let citizen = try await client.token("citizen")
            let listed = try await client.send(.get, "/api/v1/me/consents", token: citizen)
            #expect(listed.status == .ok)
            let consents = try client.json([[String: AnyCodable]].self, listed)
            #expect(consents.map { $0["clientId"]?.string } == [rp.id] && consents.first?["service"]?.string == "Dịch vụ thử")
            #expect(consents.first?["scopes"]?.array?.compactMap(\.string) == ["email", "openid", "profile"])
            // The account page lists it with a withdraw button.
            let page = body(try await client.send(.get, "/account", headers: [.cookie: "hues_session=\(session)"]))
            #expect(page.contains("Dịch vụ thử") && page.contains("/account/consents/\(rp.id)/withdraw"))

            // The service's own token cannot read or withdraw the person's consents.
            let refusals: [HTTPResponse.Status] = [.unauthorized, .forbidden]
            #expect(refusals.contains(try await client.send(.get, "/api/v1/me/consents", token: serviceToken).status))
            #expect(refusals.contains(try await client.send(.delete, "/api/v1/me/consents/\(rp.id)", token: serviceToken).status))
            #expect(try await client.send(.delete, "/api/v1/me/consents/\(rp.id)", token: citizen).status == .noContent)
            #expect(try await client.send(.delete, "/api/v1/me/consents/\(rp.id)", token: citizen).status == .notFound)
            #expect(try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/me/consents", token: citizen)).isEmpty)

            // The service's refresh token is over, and the next sign-in through it shows the consent screen again.
            let refused = try await OpenIDProviderTests.tokenRequest(client, [("grant_type", "refresh_token"), ("refresh_token", refresh)], basic: (rp.id, secret))
            #expect(refused.status == .badRequest)
            let again = try await client.send(.get, OpenIDProviderTests.authorizeQuery(rp.id), headers: [.cookie: "hues_session=\(session)"])
            #expect(again.status == .ok && body(again).contains("Dịch vụ thử"), "the consent page, not a redirect")
            let events = try await EventLog.read(after: 0, limit: 10_000, on: try runtime.database.db(logger: runtime.logger))
            #expect(events.contains { $0.type == "identity.consent.withdrawn" && $0.subject == "client:\(rp.id)" })
        }
    }
}
