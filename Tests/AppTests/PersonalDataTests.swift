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

@Suite struct ErasureTests {
    @Test func aCitizenErasesTheirAccountAndIsToldWhatTheLawKeeps() async throws {
        try await TestApp.run { client, runtime in
            let registered = try await client.send(.post, "/api/v1/accounts/register",
                                                   json: #"{"username":"xoa.toi","displayName":"Phan Văn Xóa","password":"a-long-password","email":"xoa@example.vn"}"#)
            #expect(registered.status == .created)
            let token = try await client.signIn("xoa.toi", "a-long-password").access
            let report = try client.report(try await client.fileReport(#"{"category":"garbage","latitude":16.47,"longitude":107.58,"description":"Rác ở ngõ"}"#,
                                                                       token: token))
            let dossier = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: token, json: birthDossier()))
            let other = try client.report(try await client.fileReport(#"{"category":"garbage","latitude":16.455,"longitude":107.60,"description":"Rác bên sông"}"#,
                                                                      token: try await client.token("citizen")))
            #expect(try await client.send(.post, "/api/v1/field-reports/\(other.code)/supports", token: token, json: "{}").status == .ok)

            #expect(try await client.send(.post, "/api/v1/me/erasure", token: token, json: #"{"confirm":false,"password":"a-long-password"}"#).status == .badRequest)
            #expect(try await client.send(.post, "/api/v1/me/erasure", token: token, json: #"{"confirm":true,"password":"not-my-password"}"#).status == .forbidden,
                    "a token alone (a relying party's) cannot erase the account")
            let officer = try await client.token("officer")
            #expect(try await client.send(.post, "/api/v1/me/erasure", token: officer, json: #"{"confirm":true,"password":"demo-officer-2026"}"#).status == .forbidden)
            let answer = try await client.send(.post, "/api/v1/me/erasure", token: token, json: #"{"confirm":true,"password":"a-long-password"}"#,
                                               headers: [.acceptLanguage: "en"])
            #expect(answer.status == .ok, "\(body(answer))")
            let said = try client.json(ErasureWords.self, answer)
            #expect(said.erased.contains { $0.contains("notices") } && said.erased.contains { $0.contains("password") })
            #expect(said.kept.contains { $0.contains("archives law") } && said.kept.contains { $0.contains("accounting law") })

            // The token they held stops at once, though it has not expired.
            #expect(try await client.send(.get, "/api/v1/me", token: token).status == .unauthorized)
            // The person is gone: no sign-in, no name, no contact, no inbox; what the law keeps is still there, unnamed.
            let again = try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"xoa.toi","password":"a-long-password"}"#)
            #expect(again.status == .unauthorized || again.status == .badRequest)
            let sql = try runtime.database.sql(logger: runtime.logger)
            #expect(try await sql.raw("SELECT count(*) AS n FROM accounts WHERE display_name = 'Phan Văn Xóa' OR email = 'xoa@example.vn'")
                .first()?.decode(column: "n", as: Int.self) == 0)
            let reporter = try await sql.raw("SELECT reporter_id, reporter_name FROM field_reports WHERE code = \(bind: report.code)").first()
            #expect(try reporter?.decode(column: "reporter_id", as: String?.self) == nil)
            #expect(try reporter?.decode(column: "reporter_name", as: String?.self) == nil)
            #expect(try await sql.raw("SELECT count(*) AS n FROM dossiers WHERE code = \(bind: dossier.code)").first()?.decode(column: "n", as: Int.self) == 1)
            let account = try #require(try await sql.raw("SELECT id, username FROM accounts WHERE username LIKE 'erased-%'").first())
            let id = try account.decode(column: "id", as: UUID.self).uuidString
            for (table, column) in [("notices", "account_id"), ("field_report_supports", "account_id"), ("workflow_transitions", "actor_id"),
                                    ("push_subscriptions", "account_id")] {
                let statement = "SELECT count(*) AS n FROM " + table + " WHERE " + column + " = "
                let left = try await sql.raw(SQLQueryString(statement) + "\(bind: id)").first()?
                    .decode(column: "n", as: Int.self)
                #expect(left == 0, "\(table) still holds the erased account")
            }
            let sessions = try await sql.raw("SELECT count(*) AS n FROM web_sessions WHERE account_id = \(bind: try account.decode(column: "id", as: UUID.self))")
                .first()?.decode(column: "n", as: Int.self)
            #expect(sessions == 0)
            // Signing in as the erased record fails like a wrong password, never as an error.
            let erasedName = try account.decode(column: "username", as: String.self)
            let attempt = try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"\#(erasedName)","password":"anything-at-all"}"#)
            #expect(attempt.status == .unauthorized || attempt.status == .badRequest, "\(attempt.status)")
            #expect(try await client.send(.post, "/api/v1/accounts/register",
                                          json: #"{"username":"erased-look-alike","displayName":"X","password":"a-long-password"}"#).status != .created)
            let events = try await EventLog.read(after: 0, limit: 10_000, on: try runtime.database.db(logger: runtime.logger)).map(\.type)
            #expect(events.contains("identity.account.erased") && events.contains("notices.personal-data.erased"))
            #expect(try await EventLog.verify(on: try runtime.database.db(logger: runtime.logger)).isIntact)
        }
    }
}

@Suite struct PersonalDataReadTests {
    @Test func staffOpeningADossierOrAReportersNameIsInTheEventLogTheOwnerIsNot() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.token("citizen")
            let dossier = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier()))
            let report = try client.report(try await client.fileReport(#"{"category":"garbage","latitude":16.47,"longitude":107.58,"description":"Rác"}"#,
                                                                       token: citizen))
            _ = try await client.send(.get, "/api/v1/dossiers/\(dossier.code)", token: citizen)
            _ = try await client.send(.get, "/api/v1/field-reports/\(report.code)", token: citizen)
            func reads() async throws -> [LoggedEvent] {
                try await EventLog.read(after: 0, limit: 10_000, on: try runtime.database.db(logger: runtime.logger))
                    .filter { $0.type == "public-services.dossier.personal-data-read" || $0.type == "field-reports.reporter.read" }
            }
            #expect(try await reads().isEmpty, "the owner reading their own record is not logged")
            let officer = try await client.token("officer")
            #expect(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)", token: officer).status == .ok)
            let ioc = try await client.token("ioc")
            #expect(try await client.send(.get, "/api/v1/field-reports/\(report.code)", token: ioc).status == .ok)
            let logged = try await reads()
            #expect(logged.map(\.type).sorted() == ["field-reports.reporter.read", "public-services.dossier.personal-data-read"])
            #expect(logged.first { $0.type == "public-services.dossier.personal-data-read" }?.subject == "dossier:\(dossier.code)")
            #expect(Set(logged.compactMap(\.actorName)).count == 2, "who read is named")
            // Once per reader, record and day: the officer's further views add nothing; another reader is logged.
            for _ in 0..<3 { #expect(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)", token: officer).status == .ok) }
            let leader = try await client.token("leader")
            #expect(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)", token: leader).status == .ok)
            let dossierReads = try await reads().filter { $0.type == "public-services.dossier.personal-data-read" }
            #expect(dossierReads.count == 2 && Set(dossierReads.compactMap(\.actorName)).count == 2, "\(dossierReads.map(\.actorName))")
        }
    }
}

@Suite struct ErasurePageTests {
    @Test func aCitizenErasesTheirAccountFromTheAccountPageAndIsSignedOut() async throws {
        try await TestApp.run { client, _ in
            let registered = try await client.send(.post, "/api/v1/accounts/register",
                                                   json: #"{"username":"xoa.trang","displayName":"Ngô Thị Trang","password":"a-long-password"}"#)
            #expect(registered.status == .created)
            let login = try await postForm(client, "/login", "_csrf=t0k3n&username=xoa.trang&password=a-long-password", cookies: "hues_csrf=t0k3n")
            let session = try #require(cookie("hues_session", in: login))
            let page = body(try await client.send(.get, "/account", headers: [.cookie: "hues_session=\(session)"]))
            #expect(page.contains("id=\"download-my-data\"") && page.contains("action=\"/account/erase\""))
            let marker = try #require(page.range(of: "name=\"_csrf\" value=\""))
            let csrf = String(page[marker.upperBound...].prefix { $0 != "\"" })
            let wrong = try await postForm(client, "/account/erase", "_csrf=\(csrf)&password=wrong-password&confirm=yes", cookies: "hues_session=\(session)")
            #expect(wrong.status == .forbidden)
            let erased = try await postForm(client, "/account/erase", "_csrf=\(csrf)&password=a-long-password&confirm=yes", cookies: "hues_session=\(session)")
            #expect(erased.status == .ok)
            // The page speaks the reader's language (Vietnamese here), every line of it.
            #expect(body(erased).contains("id=\"kept-list\"") && body(erased).contains("Luật Lưu trữ") && body(erased).contains("Luật Kế toán"))
            #expect(!body(erased).contains("erasure_") && !body(erased).contains("archives law"), "no key or English line left untranslated")
            #expect(erased.headers[values: .setCookie].contains { $0.hasPrefix("hues_session=;") || $0.contains("Max-Age=0") })
            let after = try await client.send(.get, "/account", headers: [.cookie: "hues_session=\(session)"])
            #expect(after.status == .seeOther && after.headers[.location]?.hasPrefix("/login") == true, "the old session is gone")
            // Staff see the download but no erase form.
            let officer = body(try await client.send(.get, "/account", headers: [.cookie: "hues_session=\(try await browserSession(client, "officer"))"]))
            #expect(officer.contains("download-my-data") && !officer.contains("erase-form"))
        }
    }
}

/// The erasure answer as a client reads it: lines in words.
struct ErasureWords: Decodable {
    var erased: [String]
    var kept: [String]
}
