import App
import Foundation
import HuesTestSupport
import Logging
import Platform
import SQLKit
import Testing

/// `HUES_DATABASE_REPLICA_URL`: report aggregates read the replica; everything else, and every write, the primary.
@Suite struct ReadReplicaTests {
    @Test func aReplicaIsRefusedBesideSQLiteAndMustBePostgres() {
        let beside = HuesConfiguration.load(environment: ["HUES_DATABASE_REPLICA_URL": "postgres://u:p@db2:5432/hues"])
        #expect(beside.configuration == nil && beside.problems.contains { $0.key == "HUES_DATABASE_REPLICA_URL" })
        let notPostgres = HuesConfiguration.load(environment: ["HUES_DATABASE_URL": "postgres://u:p@db1:5432/hues",
                                                               "HUES_DATABASE_REPLICA_URL": "sqlite:/tmp/x.sqlite"])
        #expect(notPostgres.configuration == nil)
        let garbled = HuesConfiguration.load(environment: ["HUES_DATABASE_URL": "postgres://u:p@db1:5432/hues", "HUES_DATABASE_REPLICA_URL": "postgres://:::"])
        #expect(garbled.configuration == nil && garbled.problems.contains { $0.key == "HUES_DATABASE_REPLICA_URL" && !$0.message.contains("beside") })
        let both = HuesConfiguration.load(environment: ["HUES_DATABASE_URL": "postgres://u:p@db1:5432/hues",
                                                        "HUES_DATABASE_REPLICA_URL": "postgres://u:p@db2:5432/hues"])
        #expect(both.configuration?.databaseReplicaURL == "postgres://u:p@db2:5432/hues")
    }

    @Test func reportsReadTheReplicaAndTheDoctorSaysWhetherItIsAStandby() async throws {
        guard TestDatabase.postgresAdminURL != nil else {
            // Only PostgreSQL has replicas (the test above covers SQLite's refusal): without one, reports read the primary.
            try await TestApp.run { _, runtime in
                let count = try await runtime.database.reportSQL(logger: Logger(label: "test")).raw("SELECT count(*) AS n FROM accounts").first()?
                    .decode(column: "n", as: Int.self)
                #expect((count ?? 0) > 0)
                #expect(await PlatformDoctor.examine(runtime).allSatisfy { $0.check != "read replica" })
            }
            return
        }
        try await TestDatabase.using { replica in
            guard case .postgres(let replicaURL) = replica.location else { throw Problem.internal() }
            // A copy of the schema with no rows, standing in for a replica that has not caught up: reads that go there
            // find nothing, reads that go to the primary find the demo city.
            let copy = try await HuesRuntime.make(configuration: .testing(dataDirectory: replica.folder, database: replica.location))
            try await copy.migrate()
            await copy.database.shutdown()
            try await TestApp.run(configure: { $0.databaseReplicaURL = replicaURL }) { client, runtime in
                let logger = Logger(label: "test")
                let count = "SELECT count(*) AS n FROM accounts"
                let onReplica = try await runtime.database.reportSQL(logger: logger).raw(SQLQueryString(count)).first()?.decode(column: "n", as: Int.self)
                let onPrimary = try await runtime.database.sql(logger: logger).raw(SQLQueryString(count)).first()?.decode(column: "n", as: Int.self)
                #expect(onReplica == 0 && (onPrimary ?? 0) > 0)
                // A unit's ledger is a report: the officer's request reads the (empty) replica and still answers.
                let officer = try await client.token("officer")
                let ledger = try await client.send(.get, "/api/v1/units/phuong-phu-xuan/ledger", token: officer)
                #expect(ledger.status == .ok)
                let checks = await PlatformDoctor.examine(runtime)
                let finding = try #require(checks.first { $0.check == "read replica" })
                #expect(finding.status == .failure && finding.detail.contains("not a standby"))
            }
        }
    }
}

/// Instances starting together on one database take turns at start-up work.
@Suite struct StartUpTests {
    @Test func twoInstancesMigratingAtOnceBothStartWithOneSigningKey() async throws {
        try await TestDatabase.using { test in
            let configuration = HuesConfiguration.testing(dataDirectory: test.folder, database: test.location)
            let first = try await HuesRuntime.make(configuration: configuration)
            let second = try await HuesRuntime.make(configuration: configuration)
            if case .postgres = test.location {
                async let a: Void = first.migrate()
                async let b: Void = second.migrate()
                _ = try await (a, b)
            } else {
                // One SQLite file has one serving process; a second start simply finds the work done.
                try await first.migrate()
                try await second.migrate()
            }
            let keys = try await first.database.sql(logger: Logger(label: "test"))
                .raw("SELECT count(*) AS n FROM signing_keys WHERE retired_at IS NULL").first()?.decode(column: "n", as: Int.self)
            #expect(keys == 1)
            await first.database.shutdown()
            await second.database.shutdown()
        }
    }
}
