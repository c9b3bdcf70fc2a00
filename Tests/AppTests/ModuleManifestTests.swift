import App
import Foundation
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import Payments
import Performance
import Platform
import PublicServices
import Testing

/// Modules plug in through their manifests: leaving one out leaves a working platform without its tables, routes,
/// pages, links and API; what modules declare (events, words, links) is what they really use.
@Suite struct ModuleManifestTests {
    @Test func thePlatformWorksWithoutFieldReportsAndPayments() async throws {
        try await TestDatabase.using { test in
            let configuration = HuesConfiguration.testing(dataDirectory: test.folder, database: test.location)
            let runtime = try await HuesRuntime.make(configuration: configuration, without: ["field-reports", "payments"])
            defer { Task { await runtime.database.shutdown() } }
            try await runtime.migrate()
            _ = try await runtime.seedDemo(includingHistory: false)
            #expect(runtime.module(PaymentsModule.self) == nil)
            // The scorecard counts only what the modules that run declare: field reports' indicators leave with them.
            let codes = try #require(runtime.module(PerformanceModule.self)).indicators.map(\.code)
            #expect(codes.contains("766-2.1") && !codes.contains("766-5.2") && !codes.contains("766-3.5"))
            let catalog = try routeCatalog(runtime: runtime)
            #expect(!catalog.all.contains { $0.path.hasPrefix("/api/v1/payments") || $0.path.hasPrefix("/reports") || $0.path.hasPrefix("/open311") })
            let app = try await buildApplication(runtime: runtime)
            try await app.test(.router) { client in
                let home = body(try await client.send(.get, "/"))
                #expect(home.contains(#"href="/procedures""#) && !home.contains(#"href="/reports""#) && !home.contains(#"href="/payments""#))
                #expect(try await client.send(.get, "/reports").status == .notFound)
                #expect(try await client.send(.get, "/api/v1/field-reports").status == .notFound)
                let contract = String(buffer: try await client.send(.get, "/openapi.json").body)
                #expect(contract.contains("/api/v1/dossiers") && !contract.contains("/api/v1/payments") && !contract.contains("/api/v1/field-reports"))
                // A dossier still runs from filing to its result; only asking for a fee says why it cannot be done here.
                let citizen = try await client.token("citizen")
                let officer = try await client.token("officer")
                let filed = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier()))
                _ = try await client.act(filed.code, "receive", token: officer)
                _ = try await client.act(filed.code, "claim", token: officer)
                let fee = try await client.act(filed.code, "request-fee", token: officer)
                #expect(fee.status == .conflict || fee.status == .unprocessableContent, "\(body(fee))")
                #expect(try client.dossier(try await client.send(.get, "/api/v1/dossiers/\(filed.code)", token: officer)).state == "processing")
            }
        }
    }

    @Test func everyEventWrittenIsDeclaredByAModule() async throws {
        try await TestApp.run { client, runtime in
            var tokens: [Role: String] = [:]
            for (role, username) in Demo.usernameForRole { tokens[role] = try await client.token(username) }
            _ = try await ResponseContractTests.populate(client, tokens: tokens)
            let declared = Set(runtime.modules.flatMap(\.events).map(\.type))
            let written = Set(try await EventLog.read(after: 0, limit: 10_000, on: try runtime.database.db(logger: runtime.logger)).map(\.type))
            #expect(written.count >= 8)
            #expect(written.subtracting(declared).isEmpty, "written but declared by no module: \(written.subtracting(declared).sorted())")
        }
    }

    @Test func everyWordAPageAsksForIsTranslatedAndEveryLinkHasAName() async throws {
        try await TestApp.run { _, runtime in
            let words = runtime.renderer.translations
            let vietnamese = words.table(for: "vi"), english = words.table(for: "en")
            for resources in runtime.modules.compactMap(\.resources) {
                for file in (try? FileManager.default.contentsOfDirectory(atPath: resources.pages.path)) ?? [] {
                    let text = try String(contentsOf: resources.pages.appendingPathComponent(file), encoding: .utf8)
                    let keys = text.matches(of: /\{\{t\.([a-zA-Z0-9_-]+)\}\}/).map { String($0.1) }
                    for key in keys { #expect(vietnamese[key] != nil && english[key] != nil, "\(file) asks for '\(key)'") }
                }
            }
            for entry in runtime.modules.flatMap(\.navigation) {
                #expect(vietnamese[entry.label] != nil && english[entry.label] != nil, "navigation link \(entry.path) has no name")
            }
        }
    }
}
