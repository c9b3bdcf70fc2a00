import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Platform
import Testing

/// Public pages and reads answered from memory for visitors: the same answer with an ETag (304 on a match) and gzip
/// when asked, kept until an event of their kind is written, and never for someone signed in.
@Suite struct PublicResponseCacheTests {
    @Test func visitorsGetOneKeptAnswerWithAnETagAndGzip() async throws {
        try await TestApp.run { client, _ in
            let first = try await client.send(.get, "/procedures")
            let second = try await client.send(.get, "/procedures")
            let etag = try #require(first.headers[.eTag])
            #expect(second.headers[.eTag] == etag && body(first) == body(second))
            #expect(first.headers[.contentSecurityPolicy] != nil, "kept answers still carry the security headers")
            #expect(try await client.send(.get, "/procedures", headers: [.ifNoneMatch: etag]).status == .notModified)
            let packed = try await client.send(.get, "/procedures", headers: [.acceptEncoding: "br, gzip"])
            #expect(packed.headers[.contentEncoding] == "gzip" && packed.body.readableBytes < first.body.readableBytes)
            #expect(packed.headers[.eTag] != etag, "the compressed bytes have their own tag")
            #expect(try await client.send(.get, "/procedures", headers: [.ifNoneMatch: "W/\(etag)"]).status == .notModified)
            for refused in ["gzip;q=0", "gzip; q=0.0", "identity"] {
                #expect(try await client.send(.get, "/procedures", headers: [.acceptEncoding: refused]).headers[.contentEncoding] == nil, "\(refused)")
            }
            let english = try await client.send(.get, "/procedures", headers: [.acceptLanguage: "en"])
            #expect(english.headers[.eTag] != etag, "each language is kept apart")
        }
    }

    @Test func onlyTheParametersAnAnswerDependsOnMakeItsKeyAndJunkIsNeverKept() async throws {
        try await TestApp.run { client, _ in
            let one = try await client.send(.get, "/api/v1/field-reports?status=open&page=1")
            let other = try await client.send(.get, "/api/v1/field-reports?page=1&status=open")
            #expect(one.headers[.eTag] != nil && one.headers[.eTag] == other.headers[.eTag])
            for junk in ["/api/v1/field-reports?_=1", "/api/v1/field-reports?page=1&cachebuster=2", "/procedures?q=x&api_key=secret"] {
                let response = try await client.send(.get, junk)
                #expect(response.headers[.eTag] == nil, "\(junk) was kept")
            }
        }
    }

    @Test func signedInPeopleAreNeverAnsweredFromTheCache() async throws {
        try await TestApp.run { client, _ in
            _ = try await client.send(.get, "/reports")
            let session = try await browserSession(client, "citizen")
            let page = try await client.send(.get, "/reports", headers: [.cookie: "hues_session=\(session)"])
            #expect(body(page).contains(#"data-user="citizen""#))
            #expect(page.headers[.eTag] == nil)
            let token = try await client.token("citizen")
            #expect(try await client.send(.get, "/api/v1/field-reports", token: token).headers[.eTag] == nil)
        }
    }

    @Test func anAnswerIsKeptUntilAnEventOfItsKindIsWritten() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.token("citizen")
            func file(_ description: String) async throws {
                let filed = try await client.send(.post, "/api/v1/field-reports", token: citizen, json: """
                    {"category": "encroachment", "description": "\(description)", "latitude": 16.4637, "longitude": 107.5909}
                    """)
                #expect(filed.status == .created)
            }
            try await file("Lấn chiếm vỉa hè đường Lê Lợi")
            try await Task.sleep(for: .milliseconds(2_100))
            let before = try await client.send(.get, "/api/v1/field-reports")
            #expect(body(before).contains("Lê Lợi"))
            // A row changed behind the platform's back (no event) is not seen: the answer really comes from memory.
            let sql = try runtime.database.sql(logger: runtime.logger)
            try await sql.raw("UPDATE field_reports SET description = 'changed without an event'").run()
            try await Task.sleep(for: .milliseconds(2_100))
            let kept = try await client.send(.get, "/api/v1/field-reports")
            #expect(kept.headers[.eTag] == before.headers[.eTag] && !body(kept).contains("changed without an event"))
            // A report filed through the platform writes its events: the next answer after the short floor is new.
            try await file("Lấn chiếm lòng đường Trần Hưng Đạo")
            try await Task.sleep(for: .milliseconds(2_100))
            let after = try await client.send(.get, "/api/v1/field-reports")
            #expect(after.headers[.eTag] != before.headers[.eTag])
            #expect(body(after).contains("Trần Hưng Đạo") && body(after).contains("changed without an event"))
        }
    }
}
