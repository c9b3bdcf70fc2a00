import App
import Foundation
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import Payments
import Platform
import Testing

/// What the handlers return is what the OpenAPI document promises: every GET operation is called by a role it
/// admits, over a city with a report, a dossier, an invoice and a payment in it, and each 200 body is checked
/// against the documented schema. (Schemathesis does the same from outside in CI, with generated inputs.)
@Suite struct ResponseContractTests {
    @Test func everyDocumentedGetAnswersInItsDocumentedShape() async throws {
        try await TestApp.run { client, runtime in
            let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: try await client.send(.get, "/openapi.json").body))
                as? [String: Any])
            let validator = SchemaValidator(document: document)
            var tokens: [Role: String] = [:]
            for (role, username) in Demo.usernameForRole { tokens[role] = try await client.token(username) }
            let ids = try await Self.populate(client, tokens: tokens)
            let catalog = try routeCatalog(runtime: runtime)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var checked = 0
            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
                guard let operation = operations["get"] as? [String: Any], let schema = Self.okSchema(operation) else { continue }
                let template = path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
                let route = try #require(catalog.all.first { $0.path == template && $0.method == .get })
                let concrete = Self.concrete(path, ids)
                let response = try await client.send(.get, concrete, token: HostileInputTests.caller(for: route.access, tokens: tokens))
                guard response.status == .ok else { continue }
                let value = try JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [.fragmentsAllowed])
                let mismatches = validator.errors(value, against: schema)
                #expect(mismatches.isEmpty, "GET \(concrete): \(mismatches.prefix(5))")
                checked += 1
            }
            #expect(checked >= 30, "only \(checked) documented GET operations answered 200")
        }
    }

    /// A report, a dossier, an invoice with a payment, so lists and lookups have something to show; returns the
    /// value each path template's parameters take, keyed by the template's prefix.
    static func populate(_ client: some TestClientProtocol, tokens: [Role: String]) async throws -> [String: String] {
        let citizen = try #require(tokens[.citizen])
        let officer = try #require(tokens[.officer])
        let report = try client.report(try await client.fileReport(fieldReport(), token: citizen))
        _ = try await client.reportAction(report.code, "accept", token: try #require(tokens[.iocOperator]))
        let filed = try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier())
        #expect(filed.status == .created, "\(body(filed))")
        let dossier = try client.dossier(filed)
        let issued = try await client.invoice(payer: try await client.accountID("citizen", token: citizen), token: officer)
        #expect(issued.status == .created, "\(body(issued))")
        let invoice = try client.json(InvoiceView.self, issued)
        let intent = try client.json(IntentView.self, try await client.send(.post, "/api/v1/payments/intents", token: citizen,
                                                                            json: #"{"invoice":"\#(invoice.id)"}"#))
        let me = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/me", token: tokens[.admin]))
        return [
            "/api/v1/field-reports/": report.code, "/api/v1/dossiers/": dossier.code, "/api/v1/dossier-lookup/": dossier.code,
            "/api/v1/procedures/": dossier.procedure.code, "/api/v1/services/": "hue-s-app", "/api/v1/workflow/processes/": "field-report",
            "/api/v1/org/units/": "phuong-phu-xuan", "/api/v1/units/": "phuong-phu-xuan", "/api/v1/payments/intents/": intent.id.uuidString,
            "/api/v1/payments/invoices/": invoice.id.uuidString, "/api/v1/accounts/": me["id"]?.string ?? "",
        ]
    }

    /// The JSON schema of an operation's 200 answer, if it documents one.
    static func okSchema(_ operation: [String: Any]) -> [String: Any]? {
        let responses = operation["responses"] as? [String: Any]
        let ok = responses?["200"] as? [String: Any]
        let content = ok?["content"] as? [String: Any]
        let json = content?["application/json"] as? [String: Any]
        return json?["schema"] as? [String: Any]
    }

    /// The path with its first parameter filled from the value registered for its prefix (others stay as they are,
    /// and such a call answers 404, which this test does not count).
    static func concrete(_ path: String, _ values: [String: String]) -> String {
        guard let open = path.firstIndex(of: "{"), let close = path[open...].firstIndex(of: "}") else { return path }
        let prefix = String(path[..<open])
        guard let value = values[prefix] else { return path }
        return prefix + value + path[path.index(after: close)...]
    }
}
