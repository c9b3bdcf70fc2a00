import App
import Foundation
import HTTPTypes
import HuesTestSupport
import Platform
import SQLKit
import Testing

@Suite struct PersonalDataTests {
    @Test func aPersonDownloadsTheirOwnDataAndNobodyElses() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            let filed = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier()))
            let response = try await client.send(.get, "/api/v1/me/personal-data", token: citizen)
            #expect(response.status == .ok)
            #expect(response.headers[.contentDisposition]?.contains("attachment") == true)
            #expect(response.headers[.cacheControl] == "no-store")
            let download = try client.json([String: AnyCodable].self, response)
            let modules = try #require(download["modules"])
            #expect(modules["identity"]?["username"]?.string == "citizen")
            #expect(modules["public-services"]?.array?.contains { $0["code"]?.string == filed.code } == true)
            #expect(modules["notices"]?["notices"]?.array?.isEmpty == false, "the dossier's notice is in the inbox part")
            #expect(modules["field-reports"]?.array != nil && modules["payments"]?.array != nil)
            // What the law lets the city keep when erasure is asked for is said with the download.
            let kept = try #require(download["kept"]?.array)
            #expect(kept.contains { $0["field"]?["table"]?.string == "dossiers" && $0["field"]?["basis"]?.string == "public-duty" })

            let business = try await client.token("business")
            let other = body(try await client.send(.get, "/api/v1/me/personal-data", token: business))
            #expect(!other.contains(filed.code), "someone else's download never carries the citizen's dossier")
            #expect(try await client.send(.get, "/api/v1/me/personal-data").status == .unauthorized)
        }
    }

    @Test func theRegisterNamesColumnsThatExistAndMarksSensitiveData() async throws {
        try await TestApp.run { client, runtime in
            let admin = try await client.token("admin")
            let register = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/admin/personal-data/register", token: admin))
            let modules = Set(register.compactMap { $0["module"]?.string })
            #expect(modules.isSuperset(of: ["identity", "public-services", "field-reports", "payments", "notices", "platform"]), "\(modules)")
            let sql = try runtime.database.sql(logger: runtime.logger)
            let postgres = sql.dialect.name == "postgresql"
            for entry in register {
                let table = try #require(entry["field"]?["table"]?.string)
                let existing = Set(try await sql.raw(postgres
                    ? "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(bind: table)"
                    : "SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) })
                for column in entry["field"]?["columns"]?.array?.compactMap(\.string) ?? [] {
                    #expect(existing.contains(column), "\(table).\(column) is in the register but not in the database")
                }
            }
            #expect(register.contains { $0["field"]?["table"]?.string == "field_reports" && $0["field"]?["category"]?.string == "location"
                && $0["field"]?["kind"]?.string == "sensitive" })
            #expect(try await client.send(.get, "/api/v1/admin/personal-data/register", token: try await client.token("citizen")).status == .forbidden)
        }
    }
}
