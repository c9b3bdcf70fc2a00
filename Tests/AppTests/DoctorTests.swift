import App
import Foundation
import HTTPTypes
import HuesTestSupport
import Platform
import Signatures
import Testing

@Suite struct DoctorTests {
    @Test func aHealthyPlatformSaysSoAndAnExpiringCertificateIsNamed() async throws {
        try await TestApp.run { client, runtime in
            let results = await PlatformDoctor.examine(runtime)
            let byName = Dictionary(results.map { ($0.check, $0) }, uniquingKeysWith: { first, _ in first })
            for name in ["database", "schema", "disk", "clock", "event log", "notice delivery", "payment webhooks", "certificates"] {
                #expect(byName[name] != nil, "\(name) is checked")
            }
            for name in ["schema", "event log", "notice delivery", "payment webhooks", "certificates"] {
                #expect(byName[name]?.status == .ok, "\(name): \(byName[name]?.detail ?? "")")
            }
            // The database answers; how fast depends on the machine's load, so only "not failing" is asserted here.
            #expect(byName["database"].map { $0.status != .failure } == true, "\(byName["database"]?.detail ?? "")")
            #expect(byName["schema"]?.detail.contains("migrations applied") == true)

            let signatures = try runtime.require(SignaturesModule.self)
            let officer = CertificateHolder.officer(accountID: "acc-doctor", name: "Lê Văn Bác Sĩ", unitCode: "phuong-phu-xuan")
            let issued = try await signatures.authority.issue(to: officer, validDays: 10, actorName: "test", logger: runtime.logger)
            let later = await PlatformDoctor.examine(runtime).first { $0.check == "certificates" }
            #expect(later?.status == .warning)
            #expect(later?.detail.contains(issued.serial) == true, "\(later?.detail ?? "")")

            // Admins read the same over HTTP; nobody else does.
            let admin = try await client.signIn("admin", Demo.passwords["admin"] ?? "").access
            let answer = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/admin/health", token: admin))
            #expect(answer["status"]?.string == "warning")
            #expect((answer["checks"]?.array?.count ?? 0) == results.count)
            let citizen = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
            #expect(try await client.send(.get, "/api/v1/admin/health", token: citizen).status == .forbidden)
            // And as a page, in the admin's language, with the expiring certificate on it.
            let session = try await browserSession(client, "admin")
            let page = body(try await client.send(.get, "/admin/status", headers: [.cookie: "hues_session=\(session)"]))
            #expect(page.contains("id=\"check-certificates\"") && page.contains(issued.serial) && page.contains("Cần xem xét"))
            #expect(page.contains("href=\"/admin/status\""), "admins find it in the navigation")
            let citizenSession = try await browserSession(client, "citizen")
            #expect(try await client.send(.get, "/admin/status", headers: [.cookie: "hues_session=\(citizenSession)"]).status == .forbidden)
        }
    }

    @Test func aDatabaseNobodyMigratedFailsTheSchemaCheckAndSaysWhatToRun() async throws {
        try await TestDatabase.using { test in
            let configuration = HuesConfiguration.testing(dataDirectory: test.folder, database: test.location)
            let runtime = try await HuesRuntime.make(configuration: configuration)
            let results = await PlatformDoctor.examine(runtime)
            await runtime.database.shutdown()
            let schema = try #require(results.first { $0.check == "schema" })
            #expect(schema.status == .failure && schema.detail.contains("hues migrate"), "\(schema.detail)")
            // A check that cannot even run (no event log yet) is a failure, never a green line.
            #expect(results.first { $0.check == "event log" }?.status == .failure)
        }
    }
}
