import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Platform
import Testing

@Suite struct WebPagesTests {
    @Test func signInThroughThePageSeeTheAccountAndSignOut() async throws {
        try await TestApp.run { client, _ in
            let form = try await client.send(.get, "/login?next=/account")
            #expect(form.status == .ok)
            let csrf = try #require(cookie("hues_csrf", in: form))
            #expect(hiddenCSRF(in: body(form)) == csrf)

            let forged = try await postForm(client, "/login", "username=officer&password=demo-officer-2026", cookies: "hues_csrf=\(csrf)")
            #expect(forged.status == .forbidden, "a form without its token must be refused")

            let wrong = try await postForm(client, "/login", "_csrf=\(csrf)&username=officer&password=wrong-password", cookies: "hues_csrf=\(csrf)")
            #expect(wrong.status == .unauthorized)
            #expect(body(wrong).contains("Tên đăng nhập hoặc mật khẩu không đúng."))

            let signedIn = try await postForm(client, "/login", "_csrf=\(csrf)&username=officer&password=demo-officer-2026&next=%2Faccount",
                                              cookies: "hues_csrf=\(csrf)")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/account")
            let session = try #require(cookie("hues_session", in: signedIn))
            #expect(signedIn.headers[values: .setCookie].contains { $0.contains("HttpOnly") && $0.hasPrefix("hues_session") })

            let account = try await client.send(.get, "/account", headers: [.cookie: "hues_session=\(session)"])
            #expect(account.status == .ok)
            let html = body(account)
            #expect(html.contains("Trần Văn Minh"))
            #expect(html.contains("Cán bộ, công chức — Phường Phú Xuân"))
            let sessionCSRF = try #require(hiddenCSRF(in: html))

            // A JSON call riding on the cookie must carry the session's CSRF token.
            #expect(try await client.send(.post, "/api/v1/auth/logout", headers: [.cookie: "hues_session=\(session)"]).status == .forbidden)

            #expect(try await postForm(client, "/logout", "", cookies: "hues_session=\(session)").status == .forbidden)
            let out = try await postForm(client, "/logout", "_csrf=\(sessionCSRF)", cookies: "hues_session=\(session)")
            #expect(out.status == .seeOther)
            let after = try await client.send(.get, "/account", headers: [.cookie: "hues_session=\(session)"])
            #expect(after.status == .seeOther)
            #expect(after.headers[.location]?.hasPrefix("/login?next=") == true)
        }
    }

    @Test func redirectsAfterSignInStayOnThisSite() async throws {
        try await TestApp.run { client, _ in
            let csrf = "fixed-token-for-this-test"
            let response = try await postForm(client, "/login", "_csrf=\(csrf)&username=citizen&password=demo-citizen-2026&next=%2F%2Fevil.example",
                                              cookies: "hues_csrf=\(csrf)")
            #expect(response.headers[.location] == "/account")
        }
    }

    @Test func pagesSpeakVietnameseOrEnglish() async throws {
        try await TestApp.run { client, _ in
            let vietnamese = try await client.send(.get, "/")
            #expect(body(vietnamese).contains(#"<html lang="vi">"#))
            #expect(body(vietnamese).contains("Một tài khoản, mọi dịch vụ của thành phố"))

            let switched = try await client.send(.get, "/lang/en", headers: [.referer: "http://localhost/login"])
            #expect(switched.status == .seeOther)
            #expect(switched.headers[.location] == "/login")
            #expect(cookie("hues_lang", in: switched) == "en")

            let english = try await client.send(.get, "/", headers: [.cookie: "hues_lang=en"])
            #expect(body(english).contains("One account, every city service"))
            let byBrowser = try await client.send(.get, "/login", headers: [.acceptLanguage: "en-GB,en;q=0.9"])
            #expect(body(byBrowser).contains("Username"))
            let errorPage = try await client.send(.get, "/nowhere", headers: [.accept: "text/html", .cookie: "hues_lang=vi"])
            #expect(errorPage.status == .notFound)
            #expect(body(errorPage).contains("Không tìm thấy trang"))
        }
    }
}
