import Foundation
import HTTPTypes
import Platform
import Testing

@testable import App

/// Lists, queues and files that show people's data are logged like a record opened: one entry per view naming the
/// records not yet seen by that reader today.
@Suite struct PersonalDataListReadTests {
    @Test func queuesRegistersFilesAndInvoiceListsShowingNamesAreLoggedOncePerReaderAndDay() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.token("citizen")
            let dossier = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier()))
            func logged(_ type: String) async throws -> [LoggedEvent] {
                try await EventLog.read(after: 0, limit: 100_000, on: try runtime.database.db(logger: runtime.logger)).filter { $0.type == type }
            }
            func names(_ event: LoggedEvent?) throws -> [String] {
                struct Payload: Decodable { var subjects: [String] }
                return try JSONDecoder().decode(Payload.self, from: Data((event?.payload ?? "{}").utf8)).subjects
            }
            let officer = try await client.token("officer")
            #expect(try await client.send(.get, "/api/v1/units/phuong-phu-xuan/dossier-queue", token: officer).status == .ok)
            let first = try await logged("public-services.dossier.personal-data-read")
            #expect(first.count == 1 && first.first?.subject == "dossier-queue:phuong-phu-xuan" && first.first?.actorName == "officer",
                    "\(first.map { ($0.subject, $0.actorName) })")
            #expect(try names(first.first).contains("dossier:\(dossier.code)"))

            // The same queue again: seen already today, nothing new. Opening the dossier from it shows all of the
            // applicant's data, not just a name: an entry of its own, once.
            #expect(try await client.send(.get, "/api/v1/units/phuong-phu-xuan/dossier-queue", token: officer).status == .ok)
            #expect(try await logged("public-services.dossier.personal-data-read").count == 1)
            for _ in 0..<2 { #expect(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)", token: officer).status == .ok) }
            let opened = try await logged("public-services.dossier.personal-data-read")
            #expect(opened.count == 2 && opened.last?.subject == "dossier:\(dossier.code)")

            // A leader downloading the applicant's papers is a read of that file; then the unit's register.
            let leader = try await client.token("leader")
            let file = try #require(dossier.attachments.first)
            for _ in 0..<2 {
                #expect(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)/attachments/\(file.id)", token: leader).status == .ok)
            }
            let downloads = try await logged("public-services.dossier.personal-data-read").filter { $0.actorName == "leader" }
            #expect(downloads.map(\.subject) == ["dossier:\(dossier.code)/file:\(file.id.uuidString.lowercased())"])
            let today = runtime.profile.calendar.civilDate(of: Date())
            let registerPath = "/api/v1/units/phuong-phu-xuan/dossier-register?from=\(today.adding(days: -90))&to=\(today)"
            let second = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier()))
            #expect(try await client.send(.get, registerPath, token: leader).status == .ok)
            let register = try await logged("public-services.dossier.personal-data-read").last
            #expect(register?.subject == "dossier-register:phuong-phu-xuan")
            #expect(try Set(names(register)) == ["dossier:\(dossier.code)", "dossier:\(second.code)"])
            // The officer's register names only what their queue did not show them today.
            #expect(try await client.send(.get, registerPath, token: officer).status == .ok)
            let officersRegister = try await logged("public-services.dossier.personal-data-read").last
            #expect(officersRegister?.actorName == "officer" && officersRegister?.subject == "dossier-register:phuong-phu-xuan")
            #expect(try names(officersRegister) == ["dossier:\(second.code)"], "the first was in the officer's queue already today")

            // The applicant's own downloads are theirs: no entry.
            let before = try await logged("public-services.dossier.personal-data-read").count
            #expect(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)/attachments/\(file.id)", token: citizen).status == .ok)
            #expect(try await logged("public-services.dossier.personal-data-read").count == before)

            // A unit's invoice list shows payers' names; the payer's own list does not count.
            let issued = try await client.send(.post, "/api/v1/payments/invoices", token: officer, json: """
                {"unit":"phuong-phu-xuan","payer":{"name":"Hộ bà Lê Thị Hoa"},"kind":"bill","description":"Phí vệ sinh","amount":30000,"dueDate":"2099-01-01"}
                """)
            #expect(issued.status == .created, "\(issued.status)")
            let reference = try #require(try client.json(AnyCodable.self, issued)["reference"]?.string)
            #expect(try await client.send(.get, "/api/v1/units/phuong-phu-xuan/invoices", token: officer).status == .ok)
            let payers = try await logged("payments.payer.read")
            #expect(payers.count == 1 && payers.first?.subject == "invoice-list:phuong-phu-xuan")
            #expect(try names(payers.first).contains("invoice:\(reference)"))
            #expect(try await client.send(.get, "/api/v1/payments/invoices", token: citizen).status == .ok)
            #expect(try await client.send(.get, "/api/v1/units/phuong-phu-xuan/invoices", token: officer).status == .ok)
            #expect(try await logged("payments.payer.read").count == 1)

            // An administrator listing accounts sees names and contacts: logged, except their own.
            let admin = try await client.token("admin")
            #expect(try await client.send(.get, "/api/v1/accounts?q=citizen", token: admin).status == .ok)
            let accountReads = try await logged("identity.account.read")
            #expect(accountReads.count == 1 && accountReads.first?.subject == "account-list")
            #expect(try names(accountReads.first).contains("account:citizen") && !names(accountReads.first).contains("account:admin"))
            #expect(try await client.send(.get, "/api/v1/accounts?q=citizen", token: admin).status == .ok)
            #expect(try await logged("identity.account.read").count == 1)
            #expect(try await EventLog.verify(on: try runtime.database.db(logger: runtime.logger)).isIntact)
        }
    }
}
