import App
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import Platform
import PublicServices
import Testing

/// Holes the review of the module manifest found: a role held in a ward reaching city-wide data, a result leaving
/// unsigned, a switched-off module letting a rule fail open, a misspelt module name. Each test is the attempt.
@Suite struct ModuleReviewTests {
    func createStaff(_ username: String, role: String, unit: String, on client: any TestClientProtocol) async throws -> String {
        let created = try await client.send(.post, "/api/v1/accounts", token: try await client.token("admin"), json: """
            {"username":"\(username)","displayName":"Cán bộ \(username)","password":"a-long-password-2026","kind":"staff",
             "roles":[{"role":"\(role)","unitCode":"\(unit)"}]}
            """)
        #expect(created.status == .created, "\(body(created))")
        return try await client.signIn(username, "a-long-password-2026").access
    }

    @Test func onlyTheCitysSecurityUnitReadsTheAuditLog() async throws {
        try await TestApp.run { client, _ in
            let wardAnalyst = try await createStaff("soc-ward", role: "soc_analyst", unit: "phuong-phu-xuan", on: client)
            #expect(try await client.send(.get, "/api/v1/audit/events?after=0&limit=10", token: wardAnalyst).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/audit/events?after=0&limit=10", token: try await client.token("soc")).status == .ok)
            #expect(try await client.send(.get, "/api/v1/audit/events?after=0&limit=10", token: try await client.token("admin")).status == .ok)
        }
    }

    @Test func aWardOperatorCannotFoldReportsItCannotEvenRead() async throws {
        try await TestApp.run { client, _ in
            let wardOperator = try await createStaff("ioc-ward", role: "ioc_operator", unit: "phuong-phu-xuan", on: client)
            let ioc = try await client.token("ioc")
            let tip = try client.report(try await client.fileReport(
                fieldReport("food-safety", answers: #"{"business_name":"Quán Y"}"#), token: try await client.token("citizen")))
            let other = try client.report(try await client.fileReport(
                fieldReport("food-safety", answers: #"{"business_name":"Quán Z"}"#), token: try await client.token("business")))
            _ = try await client.reportAction(tip.code, "accept", token: ioc)
            _ = try await client.reportAction(other.code, "accept", token: ioc)
            let merged = try await client.reportAction(tip.code, "merge", token: wardOperator, #"{"into":"\#(other.code)"}"#)
            #expect(merged.status == .notFound, "a private report is not shown to exist: \(body(merged))")
            let road = try client.report(try await client.fileReport(fieldReport(), token: try await client.token("citizen")))
            let nearby = Place.north(of: Place.citadel, metres: 300)
            let road2 = try client.report(try await client.fileReport(fieldReport(at: nearby), token: try await client.token("business")))
            _ = try await client.reportAction(road.code, "accept", token: ioc)
            let accepted = try client.report(try await client.reportAction(road2.code, "accept", token: ioc))
            try #require(accepted.unit == "phuong-phu-xuan", "both reports must be the ward's (\(accepted.unit))")
            let publicMerge = try await client.reportAction(road.code, "merge", token: wardOperator, #"{"into":"\#(road2.code)"}"#)
            #expect(publicMerge.status == .forbidden, "an IOC role held in a ward acts for no one: \(body(publicMerge))")
            #expect(try client.report(try await client.send(.get, "/api/v1/field-reports/\(road.code)")).state == "in-progress")
        }
    }

    /// Takes a dossier to the point where the result is issued.
    func approvedDossier(_ client: any TestClientProtocol) async throws -> String {
        let officer = try await client.token("officer")
        let dossier = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: try await client.token("citizen"), json: birthDossier()))
        for action in ["receive", "claim", "submit-for-approval"] {
            #expect(try await client.act(dossier.code, action, token: officer).status == .ok, "\(action)")
        }
        #expect(try await client.act(dossier.code, "approve", token: try await client.token("leader")).status == .ok)
        return dossier.code
    }

    @Test func aResultIsAPDFThatLeavesSigned() async throws {
        try await TestApp.run { client, _ in
            let code = try await approvedDossier(client)
            let officer = try await client.token("officer")
            let image = #"{"attachments":[\#(attachment("result", "ket-qua.png", Files.png))]}"#
            let refused = try await client.act(code, "issue-result", token: officer, image)
            #expect(refused.status == .unprocessableContent && body(refused).contains("PDF"), "\(body(refused))")
            let pdf = #"{"attachments":[\#(attachment("result", "ket-qua.pdf", Files.pdf))]}"#
            #expect(try await client.act(code, "issue-result", token: officer, pdf).status == .ok)
        }
        try await TestApp.run(configure: { $0.modulesOff = ["signatures"] }) { client, _ in
            let code = try await approvedDossier(client)
            let pdf = #"{"attachments":[\#(attachment("result", "ket-qua.pdf", Files.pdf))]}"#
            let refused = try await client.act(code, "issue-result", token: try await client.token("officer"), pdf)
            #expect(refused.status == .conflict && body(refused).contains("signing is off"), "\(body(refused))")
            let dossier = try client.dossier(try await client.send(.get, "/api/v1/dossiers/\(code)", token: try await client.token("officer")))
            #expect(!dossier.attachments.contains { $0.document == "result" })
        }
    }

    @Test func withoutTheCatalogueNoWebhookCanBeSubscribed() async throws {
        try await TestApp.run(configure: { $0.modulesOff = ["catalog"] }) { client, _ in
            let subscribed = try await client.send(.post, "/api/v1/payments/webhooks", token: try await client.token("admin"),
                                                   json: #"{"service":"anything","url":"https://hooks.example/x","events":["payment.succeeded"]}"#)
            #expect(subscribed.status == .conflict, "\(body(subscribed))")
        }
    }

    @Test func aMisspeltModuleNameStopsTheStart() async throws {
        try await TestDatabase.using { test in
            var configuration = HuesConfiguration.testing(dataDirectory: test.folder, database: test.location)
            configuration.modulesOff = ["payment"]
            await #expect {
                let runtime = try await HuesRuntime.make(configuration: configuration)
                await runtime.database.shutdown()
            } throws: { error in
                (error as? ConfigurationError)?.problems.contains { $0.key == "HUES_MODULES_OFF" && $0.message.contains("payment") } == true
            }
        }
    }
}
