import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Platform
import Testing

/// Numbers and headers from outside never stop the server: each extreme value is a 4xx, and the next request is
/// still served. A trap here would end the whole test process, which is exactly what it would do to the city.
@Suite struct HostileInputTests {
    /// Whole numbers that overflow, underflow, are not numbers at all, or sit just outside any sane range.
    static let extremes = ["-1", "0", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "99999999999999999999999",
                           "1e308", "-1e308", "NaN", "inf", "0x10", "1.5", "%00", "abc", "%20%2D1"]

    @Test func theReportedOverflowIsA400AndTheServerKeepsServing() async throws {
        try await TestApp.run { client, _ in
            let response = try await client.send(.get, "/api/v1/field-reports?page=9223372036854775807")
            #expect(response.status == .badRequest)
            #expect(try problem(response)["errors"] != nil)
            #expect(try await client.send(.get, "/api/v1/field-reports?page=1").status == .ok)
            // The web page with the same parameter.
            #expect(try await client.send(.get, "/reports?page=9223372036854775807").status == .badRequest)
            #expect(try await client.send(.get, "/reports?page=2").status == .ok)
        }
    }

    /// Every numeric query parameter the OpenAPI document declares, on every operation, with every extreme value,
    /// called by a role the route admits: the answer is never a 5xx.
    @Test func everyNumericQueryParameterAnswersExtremesWith4xx() async throws {
        try await TestApp.run { client, runtime in
            var tokens: [Role: String] = [:]
            for (role, username) in Demo.usernameForRole {
                tokens[role] = try await client.signIn(username, Demo.passwords[username] ?? "").access
            }
            let document = try JSONSerialization.jsonObject(with: Data(buffer: try await client.send(.get, "/openapi.json").body)) as? [String: Any]
            let paths = try #require(document?["paths"] as? [String: [String: Any]])
            let catalog = try routeCatalog(runtime: runtime)
            var probed = 0
            for (path, operations) in paths {
                for (method, operation) in operations {
                    guard let operation = operation as? [String: Any], let httpMethod = HTTPRequest.Method(method.uppercased()) else { continue }
                    let numeric = ((operation["parameters"] as? [[String: Any]]) ?? []).filter { parameter in
                        let type = (parameter["schema"] as? [String: Any])?["type"] as? String
                        return parameter["in"] as? String == "query" && (type == "integer" || type == "number")
                    }.compactMap { $0["name"] as? String }
                    guard !numeric.isEmpty else { continue }
                    let template = path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
                    let route = try #require(catalog.all.first { $0.path == template && $0.method == httpMethod }, "\(method) \(path) is documented but not served")
                    let token = Self.caller(for: route.access, tokens: tokens)
                    let concrete = Self.concrete(path)
                    for name in numeric {
                        for value in Self.extremes {
                            let response = try await client.send(httpMethod, "\(concrete)?\(name)=\(value)", token: token,
                                                                 json: httpMethod == .get ? nil : "{}")
                            #expect((400..<500).contains(Int(response.status.code)) || response.status == .ok,
                                    "\(method.uppercased()) \(path)?\(name)=\(value) → \(response.status.code): \(body(response))")
                            #expect(response.status.code < 500, "\(method.uppercased()) \(path)?\(name)=\(value): \(body(response))")
                            probed += 1
                        }
                    }
                }
            }
            #expect(probed >= 20 * Self.extremes.count)
            #expect(try await client.send(.get, "/health").status == .ok)
        }
    }

    /// Query strings of the standard adapters and pages outside `/api/v1`.
    @Test func pagesAndOpen311AnswerExtremesWith4xx() async throws {
        try await TestApp.run { client, _ in
            let officer = try await client.signIn("officer", Demo.passwords["officer"] ?? "").access
            let probes: [(String, String?)] = [
                ("/reports?page=", nil), ("/open311/v2/requests.json?page=", nil), ("/open311/v2/requests.json?page_size=", nil),
                ("/open311/v2/requests.json?lat=", nil), ("/open311/v2/requests.json?long=", nil), ("/open311/v2/requests.xml?page=", nil),
                ("/api/v1/field-reports/nearby?category=pothole&lon=107.59&lat=", nil),
                ("/api/v1/field-reports/nearby?category=pothole&lat=16.46&lon=", nil),
                ("/api/v1/units/phuong-phu-xuan/dossier-register?from=2026-01-01&to=", officer),
                ("/api/v1/units/phuong-phu-xuan/ledger?from=2026-01&to=", officer),
                ("/api/v1/field-reports/figures?since=", nil),
            ]
            for (prefix, token) in probes {
                for value in Self.extremes + ["99999-12-31", "-0001-01-01", "2026-13-45", "2026-00"] {
                    let response = try await client.send(.get, prefix + value, token: token)
                    #expect(response.status.code < 500, "\(prefix)\(value) → \(response.status.code): \(body(response))")
                }
            }
        }
    }

    /// Broken Accept-Language headers (a lone `;` used to index an empty split) still pick a language.
    @Test func brokenAcceptLanguageHeadersStillGetAPage() async throws {
        try await TestApp.run { client, _ in
            for header in [";", ",;,", "fr, ;", ";;;;", "", ",", "en;q=", "  ;  en"] {
                let response = try await client.send(.get, "/login", headers: [.acceptLanguage: header])
                #expect(response.status == .ok, "Accept-Language: \(header)")
            }
        }
    }

    /// Field-report answers sent as huge numbers (1e300 has no Int) are kept as numbers, not converted with a trap.
    @Test func hugeNumericAnswersAreRefusedOrKeptNeverTrapped() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
            let json = #"{"category":"pothole","description":"Ổ gà lớn giữa đường","latitude":16.4637,"longitude":107.5909,"answers":{"depth":1e300}}"#
            let response = try await client.send(.post, "/api/v1/field-reports", token: citizen, json: json)
            #expect(response.status.code < 500, "\(response.status.code): \(body(response))")
        }
    }

    static func caller(for access: Access, tokens: [Role: String]) -> String? {
        guard case .roles(let roles) = access else { return access == .everyone ? nil : tokens[.admin] }
        return roles.sorted().compactMap { tokens[$0] }.first
    }

    static func concrete(_ path: String) -> String {
        path.replacingOccurrences(of: "{unit}", with: "phuong-phu-xuan").replacingOccurrences(of: "{id}", with: UUID().uuidString)
            .replacingOccurrences(of: "{code}", with: "pothole")
    }
}
