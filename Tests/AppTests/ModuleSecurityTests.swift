import App
import FieldReports
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Payments
import Platform
import Synchronization
import Testing

/// Holes a review found in the modules' own rules: who sees what, where the server sends requests, what runs by
/// default. Each test is what an attacker would try.
@Suite struct ModuleSecurityTests {
    @Test func webhooksMayNotPointIntoTheCitysOwnNetwork() async throws {
        try await TestApp.run { client, _ in
            let admin = try await client.token("admin")
            for url in ["http://127.0.0.1:8080/api/v1/accounts", "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://10.1.2.3/hook",
                        "http://localhost/hook", "http://192.168.1.1/", "http://[::ffff:127.0.0.1]/", "https://user:pass@app.hue.example/hook",
                        "ftp://app.hue.example/hook", "http://0.0.0.0/"] {
                let response = try await client.send(.post, "/api/v1/payments/webhooks", token: admin,
                                                     json: #"{"service":"hue-s-app","url":"\#(url)","events":["payment.succeeded"]}"#)
                #expect(response.status == .unprocessableContent && body(response).contains("url"), "\(url): \(response.status) \(body(response))")
            }
        }
        // An operator may allow a private network the city's own services live on.
        try await TestApp.run(configure: { $0.webhookAllowedNetworks = IPNetwork.list("10.20.0.0/16").networks }) { client, _ in
            let admin = try await client.token("admin")
            let allowed = try await client.send(.post, "/api/v1/payments/webhooks", token: admin,
                                                json: #"{"service":"hue-s-app","url":"http://10.20.3.4/hook","events":["payment.succeeded"]}"#)
            #expect(allowed.status == .created, "\(body(allowed))")
        }
    }

    /// A delivery follows no redirect: a 3xx is an answer (a failure to retry), never a second request elsewhere.
    @Test func webhookDeliveriesFollowNoRedirect() async throws {
        let router = Router()
        let followed = HitCounter()
        router.post("/hook") { _, _ in Response(status: .found, headers: [.location: "/elsewhere"]) }
        router.post("/elsewhere") { _, _ -> HTTPResponse.Status in
            followed.hit()
            return .ok
        }
        try await Application(router: router).test(.live) { client in
            let port = try #require(client.port)
            let transport = HTTPWebhookTransport(policy: OutboundPolicy(allowedPrivateNetworks: IPNetwork.list("127.0.0.0/8").networks))
            #expect(try await transport.post(url: "http://127.0.0.1:\(port)/hook", headers: [], body: Data("{}".utf8)) == 302)
            #expect(followed.count == 0)
            // The default policy does not connect to loopback at all.
            let strict = HTTPWebhookTransport(policy: OutboundPolicy(allowedPrivateNetworks: []))
            await #expect(throws: OutboundPolicy.Refusal.self) { _ = try await strict.post(url: "http://127.0.0.1:\(port)/hook", headers: [], body: Data()) }
        }
    }

    @Test func privateReportPhotosAreNeverLeftInSharedCaches() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            let photo = ImageFixtures.jpeg()
            let tip = try client.report(try await client.fileReport(
                fieldReport("food-safety", answers: #"{"business_name":"Quán X"}"#, photos: [photo]), token: citizen))
            let privatePhoto = try #require(tip.photos.first)
            let fetched = try await client.send(.get, privatePhoto.url, token: citizen)
            #expect(fetched.status == .ok && fetched.headers[.cacheControl] == "private, no-store")
            let pothole = try client.report(try await client.fileReport(fieldReport(photos: [photo]), token: citizen))
            _ = try await client.reportAction(pothole.code, "accept", token: try await client.token("ioc"))
            let publicPhoto = try await client.send(.get, try #require(pothole.photos.first).url)
            #expect(publicPhoto.status == .ok && publicPhoto.headers[.cacheControl] == "public, max-age=3600")
        }
    }

    @Test func anOperatorOfAnotherUnitIsNoOperationsCentre() async throws {
        try await TestApp.run { client, _ in
            let admin = try await client.token("admin")
            let created = try await client.send(.post, "/api/v1/accounts", token: admin, json: """
                {"username":"ioc-ward","displayName":"Trực ban phường","password":"a-long-password-2026","kind":"staff",
                 "roles":[{"role":"ioc_operator","unitCode":"phuong-phu-xuan"}]}
                """)
            #expect(created.status == .created, "\(body(created))")
            let wardOperator = try await client.signIn("ioc-ward", "a-long-password-2026").access
            #expect(try await client.send(.get, "/api/v1/field-reports/verification-queue", token: wardOperator).status == .forbidden)
            let tip = try client.report(try await client.fileReport(
                fieldReport("food-safety", answers: #"{"business_name":"Quán Y"}"#), token: try await client.token("citizen")))
            #expect(try await client.send(.get, "/api/v1/field-reports/\(tip.code)", token: wardOperator).status == .notFound)
            #expect(try await client.send(.get, "/api/v1/field-reports/verification-queue", token: try await client.token("ioc")).status == .ok)
        }
    }

    @Test func aWardCannotFoldItsCaseIntoAnotherUnits() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.token("citizen")
            let ioc = try await client.token("ioc")
            // The Citadel is in Phú Xuân; the same kind of damage a few kilometres south-east is another ward's.
            let ours = try client.report(try await client.fileReport(fieldReport(), token: citizen))
            let elsewhere = (latitude: 16.4560, longitude: 107.6010)
            let theirs = try client.report(try await client.fileReport(fieldReport(at: elsewhere), token: try await client.token("business")))
            _ = try await client.reportAction(ours.code, "accept", token: ioc)
            let accepted = try client.report(try await client.reportAction(theirs.code, "accept", token: ioc))
            try #require(accepted.unit != "phuong-phu-xuan", "the second point must lie in another ward (\(accepted.unit))")
            let refused = try await client.reportAction(ours.code, "merge", token: try await client.token("officer"), #"{"into":"\#(theirs.code)"}"#)
            #expect(refused.status == .unprocessableContent && body(refused).contains("another unit"), "\(body(refused))")
            #expect(try client.report(try await client.send(.get, "/api/v1/field-reports/\(ours.code)")).state == "in-progress")
            _ = runtime
        }
    }

    /// Outside demo mode nobody can mark invoices paid through the demo bank or sign in as the demo citizens.
    @Test func theDemoBankAndIdentityProviderAreOffUnlessAskedFor() async throws {
        try await TestApp.run(configure: { $0.demoIntegrations = false }) { client, _ in
            let citizen = try await client.token("citizen")
            #expect(try await client.send(.post, "/api/v1/bank-simulator/payments", token: citizen, json: #"{"payload":"x"}"#).status == .notFound)
            #expect(try await client.send(.get, "/mock-vneid/authorize").status == .notFound)
            #expect(try await client.send(.get, "/login/vneid").status == .notFound)
        }
        let defaults = HuesConfiguration.load(environment: [:])
        #expect(defaults.configuration?.demoIntegrations == false)
        #expect(HuesConfiguration.load(environment: ["HUES_MODE": "demo"]).configuration?.demoIntegrations == true)
        let production = HuesConfiguration.load(environment: ["HUES_MODE": "production", "HUES_DEMO_INTEGRATIONS": "on",
                                                              "HUES_PUBLIC_URL": "https://hues.example", "HUES_MASTER_KEY": Data(count: 32).base64EncodedString()])
        #expect(production.configuration == nil && production.problems.contains { $0.key == "HUES_DEMO_INTEGRATIONS" })
    }

    @Test func theDemoIdentityProviderReturnsOnlyToThisPlatform() async throws {
        try await TestApp.run { client, _ in
            let page = try await client.send(.get, "/mock-vneid/authorize?redirect_uri=x&state=s&nonce=n&code_challenge=abc")
            let csrf = try #require(cookie("hues_csrf", in: page))
            let challenge = String(repeating: "a", count: 43)
            let fields = [("_csrf", csrf), ("number", "046085004321"), ("redirect_uri", "https://evil.example/cb"), ("state", "s"), ("nonce", "n"),
                          ("code_challenge", challenge)]
            let response = try await postForm(client, "/mock-vneid/authorize", formEncode(fields), cookies: "hues_csrf=\(csrf)")
            #expect(response.status == .badRequest)
            #expect(response.headers[.location] == nil)
        }
    }
}

final class HitCounter: Sendable {
    private let hits = Mutex<Int>(0)
    func hit() { hits.withLock { $0 += 1 } }
    var count: Int { hits.withLock { $0 } }
}
