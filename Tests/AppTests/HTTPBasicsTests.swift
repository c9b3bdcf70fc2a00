import App
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Platform
import Testing

@Suite struct HTTPBasicsTests {
    @Test func healthReportsTheDatabase() async throws {
        try await TestApp.run { client, _ in
            let response = try await client.send(.get, "/health")
            #expect(response.status == .ok)
            let health = try client.json([String: AnyCodable].self, response)
            #expect(health["status"]?.string == "ok")
            #expect(health["checks"]?["database"]?["status"]?.string == "ok")
            #expect(try await client.send(.get, "/health/live").status == .ok)
        }
    }

    @Test func errorsAreProblemDocuments() async throws {
        try await TestApp.run { client, _ in
            let missing = try await client.send(.get, "/api/v1/no-such-thing")
            #expect(missing.status == .notFound)
            #expect(try problem(missing)["type"]?.string == "/problems/not-found")

            let wrongMethod = try await client.send(.delete, "/api/v1/me")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "GET")

            let malformed = try await client.send(.post, "/api/v1/auth/token", json: "{not json")
            #expect(malformed.status == .badRequest)
            #expect(try problem(malformed)["type"]?.string == "/problems/malformed-body")

            let wrongType = try await client.send(.post, "/api/v1/accounts/register", json: #"{"username":5,"displayName":"A","password":"x"}"#)
            #expect(wrongType.status == .badRequest)
            let fields = try problem(wrongType)["errors"]?.array?.compactMap { $0["field"]?.string }
            #expect(fields == ["username"])

            let notJSON = try await client.execute(uri: "/api/v1/auth/token", method: .post, headers: [.contentType: "text/plain"],
                                                   body: ByteBuffer(string: "hello")) { $0 }
            #expect(notJSON.status == .unsupportedMediaType)
        }
    }

    @Test func bodiesOverTheLimitAreRefused() async throws {
        try await TestApp.run(configure: { $0.maxBodyBytes = 2048 }) { client, _ in
            let big = #"{"username":"citizen","password":""# + String(repeating: "x", count: 5000) + #""}"#
            let response = try await client.send(.post, "/api/v1/auth/token", json: big)
            #expect(response.status == .contentTooLarge)
            #expect(try problem(response)["detail"]?.string?.contains("2048") == true)
        }
    }

    @Test func securityHeadersAndRequestIDsOnEveryResponse() async throws {
        try await TestApp.run { client, _ in
            for path in ["/", "/api/v1/me", "/static/app.css", "/nowhere"] {
                let response = try await client.send(.get, path)
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(path)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true, "\(path)")
                #expect((response.headers[HTTPField.Name("X-Request-Id")!]?.count ?? 0) >= 16, "\(path)")
            }
        }
    }

    @Test func staticAssetsAreCachedAndRevalidated() async throws {
        try await TestApp.run { client, _ in
            let first = try await client.send(.get, "/static/app.css")
            #expect(first.status == .ok)
            #expect(first.headers[.contentType] == "text/css; charset=utf-8")
            #expect(first.headers[.cacheControl] == "public, max-age=86400")
            let etag = try #require(first.headers[.eTag])
            let second = try await client.send(.get, "/static/app.css", headers: [.ifNoneMatch: etag])
            #expect(second.status == .notModified)
            #expect(try await client.send(.get, "/static/../Package.swift").status == .notFound)
        }
    }

    @Test func metricsCountRequestsPerRoute() async throws {
        try await TestApp.run { client, _ in
            _ = try await client.send(.get, "/health")
            let metrics = body(try await client.send(.get, "/metrics"))
            #expect(metrics.contains(#"hb_requests{http_route="/health",http_request_method="GET",http_response_status_code="200"}"#))
            #expect(metrics.contains("http_server_request_duration"))
            #expect(metrics.contains("hues_db_transaction_duration_seconds"))
        }
    }

    @Test func anUnreachableDatabaseIsA503WithRetryAfter() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-down-\(UUID())").path
        // Nothing listens on port 1: the database is "down" from the first request.
        let configuration = HuesConfiguration.testing(dataDirectory: folder, database: .postgres(url: "postgres://hues:x@127.0.0.1:1/hues"))
        let runtime = try await HuesRuntime.make(configuration: configuration)
        let app = try await buildApplication(runtime: runtime)
        try await app.test(.router) { client in
            let health = try await client.send(.get, "/health")
            #expect(health.status == .serviceUnavailable)
            #expect(health.headers[.retryAfter] == "5")
            let signIn = try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"a","password":"b"}"#)
            #expect(signIn.status == .serviceUnavailable)
            #expect(signIn.headers[.retryAfter] != nil)
            #expect(try problem(signIn)["type"]?.string == "/problems/unavailable")
            #expect(!body(signIn).contains("PSQL"))
        }
        await runtime.database.shutdown()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
