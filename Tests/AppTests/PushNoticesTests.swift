import App
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Notices
import Platform
import Synchronization
import Testing

/// A push service on loopback: keeps what it receives and answers 201, 410 or 503 by the endpoint's path.
final class TestPushService: Sendable {
    struct Message: Sendable {
        var path: String
        var headers: HTTPFields
        var body: Data
    }

    let received = Mutex<[Message]>([])

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/push/:answer/:browser") { request, context -> Response in
            let body = try await request.body.collect(upTo: 8192)
            self.received.withLock { $0.append(Message(path: request.uri.path, headers: request.headers, body: Data(buffer: body))) }
            switch context.parameters.get("answer") {
            case "gone": return Response(status: .gone)
            case "busy": return Response(status: .serviceUnavailable)
            default: return Response(status: .created)
            }
        }
        return router
    }

    func messages(to browser: String) -> [Message] { received.withLock { $0.filter { $0.path.hasSuffix("/\(browser)") } } }
}

/// A subscribed browser: its key pair and secret, and RFC 8291 decryption the way a browser does it.
struct TestBrowser {
    let key = P256.KeyAgreement.PrivateKey()
    let secret = Data((0..<16).map { _ in UInt8.random(in: 0...255) })

    func subscription(_ endpoint: String) -> String {
        #"{"endpoint":"\#(endpoint)","expirationTime":null,"keys":{"p256dh":"\#(key.publicKey.x963Representation.base64URLEncoded)","auth":"\#(secret.base64URLEncoded)"}}"#
    }

    func decrypt(_ message: Data) throws -> Data {
        let bytes = [UInt8](message)
        try #require(bytes.count > 86 && bytes[20] == 65)
        let salt = Data(bytes[0..<16])
        let sender = try P256.KeyAgreement.PublicKey(x963Representation: Data(bytes[21..<86]))
        let shared = try key.sharedSecretFromKeyAgreement(with: sender).withUnsafeBytes { Data($0) }
        let info = Data("WebPush: info".utf8) + [0] + key.publicKey.x963Representation + sender.x963Representation
        let ikm = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: shared), salt: secret, info: info, outputByteCount: 32)
        let cek = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Data("Content-Encoding: aes128gcm".utf8) + [0], outputByteCount: 16)
        let nonce = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: Data("Content-Encoding: nonce".utf8) + [0], outputByteCount: 12)
        let record = Data(bytes[86...])
        let box = try AES.GCM.SealedBox(nonce: try AES.GCM.Nonce(data: nonce.withUnsafeBytes { Data($0) }),
                                        ciphertext: record.dropLast(16), tag: record.suffix(16))
        let padded = try AES.GCM.open(box, using: cek)
        let end = try #require(padded.lastIndex { $0 != 0 })
        try #require(padded[end] == 2, "the last record's delimiter")
        return padded[..<end]
    }
}

/// A signed-in browser as the web app is: its session cookie and the CSRF token its pages carry.
struct WebAppSession {
    let cookie: String
    let csrf: String

    init(_ client: some TestClientProtocol, _ username: String) async throws {
        let session = try await browserSession(client, username)
        let page = body(try await client.send(.get, "/notices", headers: [.cookie: "hues_session=\(session)"]))
        let marker = try #require(page.range(of: "data-csrf=\""))
        cookie = "hues_session=\(session)"
        csrf = String(page[marker.upperBound...].prefix { $0 != "\"" })
    }

    func subscribe(_ client: some TestClientProtocol, _ browser: TestBrowser, _ endpoint: String, language: String = "vi") async throws -> TestResponse {
        try await client.send(.post, "/api/v1/notices/push/subscriptions", json: browser.subscription(endpoint),
                              headers: [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: csrf, .acceptLanguage: language])
    }
}

@Suite struct PushNoticesTests {
    @Test func noticesArriveEncryptedAtEachSubscribedBrowserAndGoneOnesAreForgotten() async throws {
        let service = TestPushService()
        let loopback = try #require(IPNetwork(cidr: "127.0.0.0/8"))
        try await Application(router: service.router()).test(.live) { pushClient in
            let port = try #require(pushClient.port)
            try await TestApp.run(configure: {
                $0.push.allowedNetworks = [loopback]
                $0.push.allowPlainHTTP = true
            }) { client, runtime in
                let citizen = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
                let web = try await WebAppSession(client, "citizen")
                let phone = TestBrowser(), laptop = TestBrowser(), tablet = TestBrowser()
                let base = "http://127.0.0.1:\(port)/push"
                var ids: [String: String] = [:]
                for (name, browser, answer, language) in [("phone", phone, "ok", "en"), ("laptop", laptop, "gone", "vi"), ("tablet", tablet, "busy", "vi")] {
                    let response = try await web.subscribe(client, browser, "\(base)/\(answer)/\(name)", language: language)
                    #expect(response.status == .created, "\(body(response))")
                    ids[name] = try client.json([String: AnyCodable].self, response)["id"]?.string
                }
                let page = body(try await client.send(.get, "/notices", headers: [.cookie: web.cookie]))
                #expect(page.components(separatedBy: "action=\"/notices/devices/").count == 4, "the three devices, each with a remove button")
                let byToken = try await client.send(.post, "/api/v1/notices/push/subscriptions", token: citizen,
                                                    json: TestBrowser().subscription("\(base)/ok/api-client"))
                #expect(byToken.status == .forbidden, "an API token cannot leave a browser subscribed: \(body(byToken))")
                let officer = try await client.signIn("officer", Demo.passwords["officer"] ?? "").access
                #expect(try await client.send(.delete, "/api/v1/notices/push/subscriptions/\(ids["phone"] ?? "")", token: officer).status == .notFound)

                let account = try #require(try await runtime.identity.accounts.find(username: "citizen", logger: runtime.logger))
                let notices = try runtime.require(NoticesModule.self)
                try await runtime.database.write(logger: runtime.logger) { db in
                    try await notices.store.post(NoticeDraft(recipient: account.id.uuidString, template: "dossier.filed",
                                                             data: ["code": "HS-TEST-1", "procedure": "Đăng ký khai sinh"], link: "/dossiers/HS-TEST-1"), on: db)
                }
                #expect(try await notices.delivery().deliverDue(logger: runtime.logger) == 3)

                // The phone gets the notice in the language it subscribed in, readable only with its own key.
                let delivered = try #require(service.messages(to: "phone").first)
                #expect(service.messages(to: "phone").count == 1)
                #expect(delivered.headers[HTTPField.Name("Content-Encoding")!] == "aes128gcm")
                #expect(delivered.headers[HTTPField.Name("TTL")!] == "86400")
                let key = try client.json([String: String].self, try await client.send(.get, "/api/v1/notices/push/key"))["publicKey"]
                #expect(delivered.headers[.authorization]?.hasPrefix("vapid t=") == true)
                #expect(delivered.headers[.authorization]?.hasSuffix(", k=\(key ?? "?")") == true)
                let shown = try #require(try JSONSerialization.jsonObject(with: try phone.decrypt(delivered.body)) as? [String: String])
                #expect(shown["title"] == "Dossier HS-TEST-1 filed")
                #expect(shown["link"] == "/dossiers/HS-TEST-1")
                #expect(throws: (any Error).self, "another browser's key cannot read it") { try laptop.decrypt(delivered.body) }

                // The laptop's push service says the subscription is gone: it is forgotten. The tablet's is busy: retried later.
                let left = try client.json([String: [PushSubscriptionView]].self, try await client.send(.get, "/api/v1/notices/push/subscriptions", token: citizen))
                #expect(Set(left["items"]?.map(\.id) ?? []) == Set([ids["phone"], ids["tablet"]].compactMap { $0 }))
                let inbox = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/notices", token: citizen))
                let states = (inbox["items"]?.array?.first?["deliveries"]?.array ?? []).filter { $0["channel"]?.string == "push" }
                    .compactMap { $0["status"]?.string }.sorted()
                #expect(states == ["created", "delivered", "failed"])
                #expect(try await notices.delivery().deliverDue(logger: runtime.logger) == 0, "nothing is sent twice, nothing retried early")
                #expect(service.messages(to: "tablet").count == 1)
                #expect(try await notices.delivery().deliverDue(now: Date().addingTimeInterval(120), logger: runtime.logger) == 1)
                #expect(service.messages(to: "tablet").count == 2)
                #expect(service.messages(to: "phone").count == 1)

                // Someone else cannot take the phone's endpoint without the phone's keys; with them (the same browser,
                // now signed in as someone else) it moves, and the citizen's waiting notices are not sent to it.
                let officerWeb = try await WebAppSession(client, "officer")
                #expect(try await officerWeb.subscribe(client, TestBrowser(), "\(base)/ok/phone").status == .conflict)
                try await runtime.database.write(logger: runtime.logger) { db in
                    try await notices.store.post(NoticeDraft(recipient: account.id.uuidString, template: "dossier.filed",
                                                             data: ["code": "HS-TEST-2", "procedure": "Đăng ký khai sinh"]), on: db)
                }
                #expect(try await officerWeb.subscribe(client, phone, "\(base)/ok/phone").status == .created)
                #expect(try await notices.delivery().deliverDue(logger: runtime.logger) == 1, "to the tablet only")
                #expect(service.messages(to: "phone").count == 1, "the citizen's notice is not pushed to the officer's browser")
                #expect(service.messages(to: "tablet").count == 3)
                let mine = try client.json([String: [PushSubscriptionView]].self, try await client.send(.get, "/api/v1/notices/push/subscriptions", token: citizen))
                #expect(mine["items"]?.map(\.id) == [ids["tablet"]].compactMap { $0 })
                // The officer cannot remove the citizen's device from the page; the citizen can.
                let removeTablet = "/notices/devices/\(ids["tablet"] ?? "")/remove"
                #expect(try await postForm(client, removeTablet, "_csrf=\(officerWeb.csrf)", cookies: officerWeb.cookie).status == .notFound)
                let removed = try await postForm(client, removeTablet, "_csrf=\(web.csrf)", cookies: web.cookie)
                #expect(removed.status == .seeOther && removed.headers[.location] == "/notices")
                #expect(try await client.send(.delete, "/api/v1/notices/push/subscriptions/\(ids["tablet"] ?? "")", token: citizen).status == .notFound)
            }
        }
    }

    @Test func aSubscriptionToAPrivateAddressOrWithBadKeysIsRefused() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
            let web = try await WebAppSession(client, "citizen")
            let browser = TestBrowser()
            for endpoint in ["https://127.0.0.1/push/x", "https://169.254.169.254/latest", "http://127.0.0.1:9/push/x", "https://[::1]/x",
                             "https://012.0.0.1/x", "https://[::ffff:10.0.0.1]/x"] {
                let response = try await web.subscribe(client, browser, endpoint)
                #expect(response.status == .badRequest, "\(endpoint): \(body(response))")
                #expect(body(response).contains("endpoint") && !body(response).contains("10.0.0.1"), "\(body(response))")
            }
            let badKeys = #"{"endpoint":"https://fcm.googleapis.com/fcm/send/x","keys":{"p256dh":"AAAA","auth":"AAAA"}}"#
            let refused = try await client.send(.post, "/api/v1/notices/push/subscriptions", json: badKeys,
                                                headers: [.cookie: web.cookie, HTTPField.Name("X-CSRF-Token")!: web.csrf])
            #expect(refused.status == .badRequest)
            #expect(body(refused).contains("keys.p256dh") && body(refused).contains("keys.auth"))
            #expect(try await client.send(.post, "/api/v1/notices/push/subscriptions", json: browser.subscription("https://fcm.googleapis.com/x")).status
                == .unauthorized)
            let list = try client.json([String: [PushSubscriptionView]].self, try await client.send(.get, "/api/v1/notices/push/subscriptions", token: citizen))
            #expect(list["items"]?.isEmpty == true, "nothing refused was kept")
        }
    }
}

struct PushSubscriptionView: Decodable {
    var id: String
    var endpoint: String
}
