import App
import Foundation
import HuesTestSupport
import Logging
import Notices
import Platform
import SQLKit
import Testing

/// Schema upgrades are forward-only: a database made by the last release's migrations, with data in it, takes this
/// release's new migrations and keeps everything.
@Suite struct UpgradeTests {
    /// The migrations of the last release that landed (main at b7c2472, 2026-12-01), in the order they ran.
    static let released = [
        "platform.create-event-log", "platform.create-event-inbox", "platform.create-event-checkpoints", "platform.create-work-leases",
        "notices.create-tables", "identity.create-tables", "identity.create-oauth-tables", "identity.create-upstream-identities",
        "catalog.create-tables", "catalog.add-english-descriptions", "Workflow.CreateWorkflowTables", "PublicServices.CreatePublicServicesTables",
        "Signatures.CreateSignaturesTables", "Payments.CreatePaymentsTables", "field-reports.create",
    ]

    @Test func releasedMigrationsAreNeverRemovedRenamedOrReordered() async throws {
        try await TestDatabase.using { test in
            let runtime = try await HuesRuntime.make(configuration: HuesConfiguration.testing(dataDirectory: test.folder, database: test.location))
            let names = runtime.modules.flatMap(\.migrations).map(\.name)
            await runtime.database.shutdown()
            #expect(names.filter { Self.released.contains($0) } == Self.released.filter { names.contains($0) })
            #expect(Set(Self.released).isSubset(of: names), "missing: \(Set(Self.released).subtracting(names).sorted())")
        }
    }

    @Test func aDatabaseFromTheLastReleaseUpgradesWithItsData() async throws {
        try await TestDatabase.using { test in
            let configuration = HuesConfiguration.testing(dataDirectory: test.folder, database: test.location)
            let runtime = try await HuesRuntime.make(configuration: configuration)
            do {
                let all = runtime.modules.flatMap(\.migrations)
                try await runtime.database.migrate(all.filter { Self.released.contains($0.name) }, logger: runtime.logger)
                // Data as the last release wrote it: a notice with its email delivery, in the tables it knew.
                let notice = UUID(), account = UUID().uuidString
                try await runtime.database.write(logger: runtime.logger) { db in
                    guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                    try await sql.raw("""
                        INSERT INTO notices (id, account_id, template, data, link, created_at)
                        VALUES (\(bind: notice), \(bind: account), 'dossier.filed', '{"code":"HS-OLD","procedure":"Khai sinh"}', '/dossiers/HS-OLD', \(bind: Date()))
                        """).run()
                    try await sql.raw("""
                        INSERT INTO notice_deliveries (id, notice_id, channel, status, attempts, next_attempt_at, updated_at)
                        VALUES (\(bind: UUID()), \(bind: notice), 'email', 'created', 0, \(bind: Date()), \(bind: Date()))
                        """).run()
                }
                try await runtime.migrate()

                let sql = try runtime.database.sql(logger: runtime.logger)
                let applied = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
                #expect(Set(applied) == Set(all.map(\.name)))
                let inbox = try await (try runtime.require(NoticesModule.self)).store.inbox(of: account, language: "en", logger: runtime.logger)
                #expect(inbox.notices.map(\.title) == ["Dossier HS-OLD filed"])
                #expect(inbox.notices.first?.deliveries.map(\.status) == ["created"], "the old delivery keeps its state")
                #expect(try await sql.raw("SELECT count(*) AS n FROM push_subscriptions").first()?.decode(column: "n", as: Int.self) == 0)
                // The upgraded platform works as a new one: its demo city seeds on top and the event log verifies.
                _ = try await runtime.seedDemo(includingHistory: false)
                #expect(try await EventLog.verify(on: try runtime.database.db(logger: runtime.logger)).isIntact)
            } catch {
                await runtime.database.shutdown()
                throw error
            }
            await runtime.database.shutdown()
        }
    }
}
