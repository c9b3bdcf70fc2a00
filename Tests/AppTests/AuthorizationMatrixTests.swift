import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Platform
import Testing

/// Every route against every role: deny by default, proven per route. Anonymous callers get 401 (or the login
/// page for pages), signed-in callers without the role get 403, and allowed callers get neither.
@Suite struct AuthorizationMatrixTests {
    @Test func everyRouteAgainstEveryRole() async throws {
        try await TestApp.run { client, runtime in
            var tokens: [Role: String] = [:]
            for (role, username) in Demo.usernameForRole {
                tokens[role] = try await client.signIn(username, Demo.passwords[username] ?? "").access
            }
            let catalog = try routeCatalog(runtime: runtime)
            #expect(catalog.all.count >= 20)
            var checked = 0
            for route in catalog.all {
                let path = route.path.replacingOccurrences(of: ":id", with: UUID().uuidString).replacingOccurrences(of: ":code", with: "vi").replacingOccurrences(of: ":unit", with: "phuong-phu-xuan")
                    .replacingOccurrences(of: ":file", with: "requests.json")
                    .replacingOccurrences(of: "**", with: "app.css")
                    // The live stream stays open for half an hour; a topic that is not public is answered at once, after the access check.
                    + (route.path == "/api/v1/live" ? "?topics=not-public" : "")
                let callers: [(Role?, String?)] = [(nil, nil)] + Role.allCases.map { ($0, tokens[$0]) }
                for (role, token) in callers {
                    let json: String? = [.get, .head].contains(route.method) ? nil : "{}"
                    let response = try await client.send(route.method, path, token: token, json: json)
                    let principal = role.map { Principal(accountID: "x", username: "x", displayName: "x", grants: [RoleGrant(role: $0)], credential: .accessToken) }
                    let label = "\(route.method) \(route.path) as \(role?.rawValue ?? "anonymous") → \(response.status.code)"
                    if case .ownCredential = route.access {
                        // No platform sign-in opens these: without the endpoint's own credential the answer is a refusal.
                        // Open311 answers a missing api_key with 403, as its specification requires.
                        let refusals: [HTTPResponse.Status] = route.path.hasPrefix("/open311/") ? [.forbidden] : [.badRequest, .unauthorized]
                        #expect(refusals.contains(response.status), "\(label): needs its own credential")
                    } else if route.access.allows(principal) {
                        // A page form posted without its CSRF token is refused for forgery, not for who is asking.
                        let refusedAsForgery = response.status == .forbidden && body(response).contains("/problems/csrf")
                        #expect(response.status != .unauthorized && (response.status != .forbidden || refusedAsForgery), "\(label): should be allowed")
                        #expect(response.status.code < 500, "\(label): \(body(response))")
                    } else if role == nil {
                        let redirectsToLogin = route.kind == .page && response.status == .seeOther
                            && response.headers[.location]?.hasPrefix("/login") == true
                        #expect(response.status == .unauthorized || redirectsToLogin, "\(label): anonymous must be refused")
                    } else {
                        #expect(response.status == .forbidden, "\(label): must be forbidden")
                    }
                    checked += 1
                }
            }
            #expect(checked == catalog.all.count * (Role.allCases.count + 1))
        }
    }

    @Test func forbiddenLooksTheSameWhetherOrNotTheObjectExists() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
            let existing = try #require(try await runtime.identity.accounts.find(username: "admin", logger: runtime.logger))
            let a = try await client.send(.get, "/api/v1/accounts/\(existing.id)", token: citizen)
            let b = try await client.send(.get, "/api/v1/accounts/\(UUID())", token: citizen)
            #expect(a.status == .forbidden && b.status == .forbidden)
            #expect(try problem(a)["detail"]?.string == (try problem(b)["detail"]?.string))
        }
    }
}
