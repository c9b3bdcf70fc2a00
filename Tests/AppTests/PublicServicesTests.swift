import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Platform
@testable import PublicServices
import HuesTestSupport
import Testing
import Workflow

/// Bytes that are what they claim to be, and bytes that are not.
enum Files {
    /// A one-page PDF with a classic cross-reference table, like a scanner or a word processor writes.
    static let pdf: Data = {
        let objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                       "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
        var file = "%PDF-1.7\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(file.utf8.count)
            file += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = file.utf8.count
        file += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n" + offsets.map { String(format: "%010d 00000 n \n", $0) }.joined()
        file += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(file.utf8)
    }()
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
    static let fakePDF = Data("MZ\u{90}\0 this is an executable renamed to .pdf".utf8)
}

func attachment(_ document: String, _ name: String, _ data: Data) -> String {
    #"{"document":"\#(document)","fileName":"\#(name)","content":"\#(data.base64EncodedString())"}"#
}

let birthForm = #"{"childName":"Nguyễn Văn An","childBirthDate":"2026-11-20","sex":"Nam","birthPlace":"Bệnh viện Trung ương Huế","motherName":"Trần Thị Bình","relationship":"Mẹ"}"#

func birthDossier(unit: String = "phuong-phu-xuan") -> String {
    #"{"procedure":"1.001193","competentUnit":"\#(unit)","applicant":{"phone":"0905123456"},"form":\#(birthForm),"attachments":[\#(attachment("to-khai", "to-khai.pdf", Files.pdf)),\#(attachment("giay-chung-sinh", "giay-chung-sinh.png", Files.png))]}"#
}

extension TestClientProtocol {
    func token(_ username: String) async throws -> String { try await signIn(username, Demo.passwords[username] ?? "").access }

    func dossier(_ response: TestResponse) throws -> DossierView { try json(DossierView.self, response) }

    func act(_ code: String, _ action: String, token: String, _ body: String = "{}") async throws -> TestResponse {
        try await send(.post, "/api/v1/dossiers/\(code)/actions/\(action)", token: token, json: body)
    }
}

struct PublicServicesTests {
    @Test func theCatalogueCarriesRealProceduresAndFindsThemWithoutDiacritics() async throws {
        try await TestApp.run { client, _ in
            let all = try client.json([PublishedProcedure].self, try await client.send(.get, "/api/v1/procedures"))
            #expect(all.count >= 20)
            let birth = try #require(all.first { $0.procedure.code == "1.001193" })
            #expect(birth.procedure.deadline == .workingDays(0))
            #expect(birth.procedure.cutOff == LocalTime("15:00"))
            #expect(all.first { $0.procedure.code == "2.000884" }?.procedure.fee == 10_000)
            let found = try client.json([PublishedProcedure].self, try await client.send(.get, "/api/v1/procedures?q=dang%20ky%20ket%20hon"))
            #expect(found.map(\.procedure.code) == ["1.000894"])
            let english = try client.json([PublishedProcedure].self, try await client.send(.get, "/api/v1/procedures?q=construction%20permit"))
            #expect(english.map(\.procedure.code).contains("1.009994"))
            #expect(try await client.send(.get, "/api/v1/procedures/9.999999").status == .notFound)
        }
    }

    @Test func aChangedProcedureGetsANewVersionAndOldDossiersKeepTheirs() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.token("citizen")
            let filed = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier()))
            #expect(filed.procedure.version == 1)
            // The city changes the procedure: copy the profile, edit it, publish.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: runtime.profile.folder, to: folder)
            let file = folder.appendingPathComponent("procedures.json")
            let text = try String(contentsOf: file, encoding: .utf8)
                .replacingOccurrences(of: "\"Giấy chứng sinh\"", with: "\"Giấy chứng sinh (bản chính)\"")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let book = try ProcedureBook(profile: try CityProfile.load(from: folder), processes: Set((try runtime.require(WorkflowModule.self)).store.library.processes.keys))
            let changed = try await (try runtime.require(PublicServicesModule.self)).catalogue.sync(book, logger: Logger(label: "test"))
            #expect(changed == ["1.001193"])
            let versions = try client.json([PublishedProcedure].self, try await client.send(.get, "/api/v1/procedures/1.001193/versions"))
            #expect(versions.map(\.version) == [1, 2])
            let again = try client.dossier(try await client.send(.get, "/api/v1/dossiers/\(filed.code)", token: citizen))
            #expect(again.procedure.version == 1)
            let next = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier()))
            #expect(next.procedure.version == 2)
        }
    }

    @Test func badFilingsAreRefusedWithEachFieldAndNothingIsStored() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            let badForm = #"{"procedure":"1.001193","competentUnit":"phuong-phu-xuan","form":{"childBirthDate":"2099-01-01","sex":"Khác","extra":"x"}}"#
            let response = try await client.send(.post, "/api/v1/dossiers", token: citizen, json: badForm)
            #expect(response.status == .unprocessableContent)
            let fields = Set((try problem(response)["errors"]?.array ?? []).compactMap { $0.object?["field"]?.string })
            #expect(fields.isSuperset(of: ["form.childName", "form.childBirthDate", "form.sex", "form.birthPlace", "form.motherName", "form.extra",
                                           "attachments"]))
            let wrongUnit = birthDossier(unit: "so-tu-phap")
            #expect(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: wrongUnit).status == .unprocessableContent)
            let disguised = birthDossier().replacingOccurrences(of: Files.png.base64EncodedString(), with: Files.fakePDF.base64EncodedString())
            let refused = try await client.send(.post, "/api/v1/dossiers", token: citizen, json: disguised)
            #expect(refused.status == .unsupportedMediaType)
            #expect(try problem(refused)["detail"]?.string?.contains("giay-chung-sinh.png") == true)
            #expect(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: "{not json").status == .badRequest)
            let mine = try client.json([DossierSummary].self, try await client.send(.get, "/api/v1/dossiers", token: citizen))
            #expect(mine.isEmpty)
        }
    }

    @Test func aDossierRunsFromFilingToRatingWithASupplementInBetween() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.token("citizen")
            let officer = try await client.token("officer")
            let leader = try await client.token("leader")
            let created = try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier())
            #expect(created.status == .created)
            var dossier = try client.dossier(created)
            #expect(DossierCode.isWellFormed(dossier.code))
            #expect(dossier.code.hasPrefix("000.16.00.H57-"))  // Phú Xuân's national identifier, then the date
            #expect(dossier.nationalStatus == 1)
            #expect(dossier.actions.map(\.code) == ["withdraw"])

            // A citizen cannot receive their own dossier; an officer of another commune does not even see it.
            #expect(try await client.act(dossier.code, "receive", token: citizen).status == .forbidden)
            dossier = try client.dossier(try await client.act(dossier.code, "receive", token: officer))
            #expect(dossier.nationalStatus == 2)
            let promised = try #require(dossier.promisedAt)
            #expect(runtime.profile.calendar.isWorkingDay(runtime.profile.calendar.civilDate(of: promised)))
            dossier = try client.dossier(try await client.act(dossier.code, "claim", token: officer))
            #expect(try await client.act(dossier.code, "approve", token: officer).status == .conflict)  // not submitted yet
            let missing = try await client.act(dossier.code, "request-supplement", token: officer, #"{"reason":"Ảnh giấy chứng sinh bị mờ"}"#)
            #expect(missing.status == .unprocessableContent)
            dossier = try client.dossier(try await client.act(dossier.code, "request-supplement", token: officer,
                                                               #"{"reason":"Ảnh giấy chứng sinh bị mờ","documents":["giay-chung-sinh"]}"#))
            #expect(dossier.nationalStatus == 5)
            #expect(try await client.act(dossier.code, "supplement", token: officer).status == .forbidden)
            let supplement = #"{"note":"Đã chụp lại","attachments":[\#(attachment("giay-chung-sinh", "gcs-ro.pdf", Files.pdf))]}"#
            dossier = try client.dossier(try await client.act(dossier.code, "supplement", token: citizen, supplement))
            #expect(dossier.state == "processing")
            #expect(dossier.attachments.count == 3)
            #expect(dossier.supplementRequests == 1)
            dossier = try client.dossier(try await client.act(dossier.code, "submit-for-approval", token: officer))
            dossier = try client.dossier(try await client.act(dossier.code, "approve", token: leader))
            #expect(dossier.nationalStatus == 9)
            let result = #"{"attachments":[\#(attachment("result", "trich-luc-khai-sinh.pdf", Files.pdf))]}"#
            dossier = try client.dossier(try await client.act(dossier.code, "issue-result", token: officer, result))
            #expect(dossier.attachments.contains { $0.document == "result" })
            #expect(try await client.send(.post, "/api/v1/dossiers/\(dossier.code)/rating", token: citizen, json: #"{"score":5}"#).status == .conflict)
            dossier = try client.dossier(try await client.act(dossier.code, "return-result", token: officer))
            #expect(dossier.nationalStatus == 10)
            #expect(dossier.returnedAt != nil)
            #expect(try await client.send(.post, "/api/v1/dossiers/\(dossier.code)/rating", token: citizen, json: #"{"score":9}"#).status
                == .unprocessableContent)
            dossier = try client.dossier(try await client.send(.post, "/api/v1/dossiers/\(dossier.code)/rating", token: citizen,
                                                                json: #"{"score":4,"comment":"Nhanh"}"#))
            #expect(dossier.rating == 4)
            #expect(try await client.send(.post, "/api/v1/dossiers/\(dossier.code)/rating", token: citizen, json: #"{"score":5}"#).status == .conflict)
            #expect(dossier.history.map(\.action) == ["receive", "claim", "request-supplement", "supplement", "submit-for-approval", "approve",
                                                      "issue-result", "return-result"])

            // The applicant heard about every change officers made.
            let notices = try await client.send(.get, "/api/v1/notices", token: citizen)
            let count = (try JSONDecoder().decode([String: AnyCodable].self, from: Data(buffer: notices.body))["items"]?.array?.count) ?? 0
            #expect(count >= 7)

            // The public sees the status, never the person.
            let lookup = try await client.send(.get, "/api/v1/dossier-lookup/\(dossier.code.lowercased())")
            #expect(lookup.status == .ok)
            let text = body(lookup)
            #expect(text.contains("\"nationalStatus\":10"))
            for secret in ["Nguyễn Thị Hoa", "0905123456", "Trần Thị Bình", "Ảnh giấy chứng sinh", "Đã chụp lại"] { #expect(!text.contains(secret)) }
            #expect(try await client.send(.get, "/api/v1/dossier-lookup/000.16.00.H57-200101-0001").status == .notFound)
            #expect(try await client.send(.get, "/api/v1/dossier-lookup/hello").status == .unprocessableContent)

            // The file comes back byte for byte to those who may see it, and to no one else.
            let file = try #require(dossier.attachments.first { $0.document == "result" })
            let download = try await client.send(.get, "/api/v1/dossiers/\(dossier.code)/attachments/\(file.id)", token: citizen)
            #expect(download.headers[.contentType] == "application/pdf")
            // The result comes back signed by the officer who issued it: the uploaded bytes plus a PAdES update.
            let signedResult = Data(buffer: download.body)
            #expect(signedResult.starts(with: Files.pdf) && signedResult.count > Files.pdf.count)
            var form = MultipartBody()
            form.file("document", "result.pdf", "application/pdf", signedResult)
            let report = try await client.execute(uri: "/api/v1/signatures/verify", method: .post, headers: [.contentType: form.contentType],
                                                  body: ByteBuffer(data: form.finished)) { try JSONDecoder().decode([String: AnyCodable].self, from: Data(buffer: $0.body)) }
            #expect(report["verdict"]?.string == "valid", "\(report)")
            #expect(report["signer"]?["commonName"]?.string == "Trần Văn Minh")
            let business = try await client.token("business")
            #expect(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)/attachments/\(file.id)", token: business).status == .notFound)
            #expect(try await client.send(.get, "/api/v1/dossiers/\(dossier.code)", token: business).status == .notFound)
            #expect(try await EventLog.verify(on: try runtime.database.db(logger: Logger(label: "test"))).isIntact)
        }
    }

    @Test func twoLeadersApprovingTheSameDossierAtOnceGetOneSuccess() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            let officer = try await client.token("officer")
            let leader = try await client.token("leader")
            let code = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier())).code
            for action in ["receive", "claim", "submit-for-approval"] { #expect(try await client.act(code, action, token: officer).status == .ok) }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<6 { group.addTask { try await client.act(code, "approve", token: leader).status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 5)
            let history = try client.dossier(try await client.send(.get, "/api/v1/dossiers/\(code)", token: leader)).history
            #expect(history.filter { $0.action == "approve" }.count == 1)
        }
    }

    @Test func officersFileAtTheCounterAndWorkFromQueues() async throws {
        try await TestApp.run { client, _ in
            let officer = try await client.token("officer")
            let leader = try await client.token("leader")
            let counter = #"{"procedure":"2.000884","receivingUnit":"phuong-phu-xuan","applicant":{"name":"Phạm Văn Tư","idNumber":"046090001234"},"form":{"documentTitle":"Giấy ủy quyền"}}"#
            let filed = try await client.send(.post, "/api/v1/counter/dossiers", token: officer, json: counter)
            #expect(filed.status == .created)
            let dossier = try client.dossier(filed)
            #expect(dossier.channel == .inPerson)
            #expect(dossier.state == "received")
            #expect(dossier.receivedAt != nil)
            // The receipt slip (form 01) as a PDF that names the dossier and the applicant.
            let slip = try await client.send(.get, "/api/v1/dossiers/\(dossier.code)/receipt", token: officer)
            #expect(slip.status == .ok)
            #expect(slip.headers[.contentType] == "application/pdf")
            let slipBytes = Data(buffer: slip.body)
            #expect(slipBytes.starts(with: Data("%PDF-1.7".utf8)))
            if ExternalTool.wanted {
                let slipText = try await pdfText(slipBytes)
                #expect(slipText.contains(dossier.code))
                #expect(slipText.contains("Phạm Văn Tư"))
                #expect(slipText.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"))
            }
            // Only the receiving unit's own staff work its counter.
            let elsewhere = counter.replacingOccurrences(of: "phuong-phu-xuan", with: "xa-a-luoi-1")
            #expect(try await client.send(.post, "/api/v1/counter/dossiers", token: officer, json: elsewhere).status == .forbidden)
            let badID = counter.replacingOccurrences(of: "046090001234", with: "12ab")
            #expect(try await client.send(.post, "/api/v1/counter/dossiers", token: officer, json: badID).status == .unprocessableContent)

            let queue = try client.json(DossierQueue.self, try await client.send(.get, "/api/v1/units/phuong-phu-xuan/dossier-queue?filter=open", token: officer))
            #expect(queue.dossiers.map(\.code) == [dossier.code])
            #expect(try await client.send(.get, "/api/v1/units/xa-a-luoi-1/dossier-queue", token: officer).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/units/phuong-phu-xuan/dossier-queue?filter=soon", token: officer).status == .badRequest)
            let officers = try await client.send(.get, "/api/v1/units/phuong-phu-xuan/dossier-backlog", token: leader)
            let backlog = try client.json(DossierBacklog.self, officers)
            #expect(backlog.open == 1 && backlog.unassigned == 1)
            // The leader gives it to an officer of the unit; a made-up officer is refused.
            let someone = try #require(backlog.byOfficer.compactMap(\.officer).first?.accountID)
            #expect(try await client.act(dossier.code, "assign", token: leader, #"{"officer":"not-an-officer"}"#).status == .unprocessableContent)
            let assigned = try client.dossier(try await client.act(dossier.code, "assign", token: leader, #"{"officer":"\#(someone)"}"#))
            #expect(assigned.officer?.accountID == someone)
            #expect(try await client.send(.get, "/api/v1/units/phuong-phu-xuan/dossier-backlog", token: officer).status == .forbidden)
            let register = try await client.send(.get, "/api/v1/units/phuong-phu-xuan/dossier-register?from=2020-01-01&to=2020-12-31", token: officer)
            #expect(try client.json([DossierSummary].self, register).isEmpty)
        }
    }

    @Test func anApologyRedatesTheDossierAndTheFormsSayWhy() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            let officer = try await client.token("officer")
            var dossier = try client.dossier(try await client.send(.post, "/api/v1/dossiers", token: citizen, json: birthDossier()))
            for action in ["receive", "claim"] { dossier = try client.dossier(try await client.act(dossier.code, action, token: officer)) }
            let before = try #require(dossier.promisedAt)
            #expect(try await client.act(dossier.code, "extend", token: officer, #"{"reason":"Chờ xác minh","extension":{"value":45,"unit":"working_days"}}"#)
                .status == .unprocessableContent)
            dossier = try client.dossier(try await client.act(dossier.code, "extend", token: officer,
                                                               #"{"reason":"Cần xác minh thông tin người mẹ","extension":{"value":2,"unit":"working_days"}}"#))
            let after = try #require(dossier.promisedAt)
            #expect(after > before)
            #expect(dossier.legalDueAt == before)

            let session = try await browserSession(client, "citizen")
            let receipt = try await client.execute(uri: "/dossiers/\(dossier.code)/forms/01", method: .get, headers: [.cookie: "hues_session=\(session)"]) { $0 }
            #expect(receipt.status == .ok)
            #expect(body(receipt).contains(dossier.code))
            let apology = try await client.execute(uri: "/dossiers/\(dossier.code)/forms/04", method: .get, headers: [.cookie: "hues_session=\(session)"]) { $0 }
            #expect(body(apology).contains("Cần xác minh thông tin người mẹ"))
            let notYet = try await client.execute(uri: "/dossiers/\(dossier.code)/forms/05", method: .get, headers: [.cookie: "hues_session=\(session)"]) { $0 }
            #expect(notYet.status == .notFound)

            // The applicant withdraws; nothing can be done to a withdrawn dossier.
            dossier = try client.dossier(try await client.act(dossier.code, "withdraw", token: citizen, #"{"reason":"Nộp nhầm thủ tục"}"#))
            #expect(dossier.nationalStatus == 7)
            #expect(try await client.act(dossier.code, "submit-for-approval", token: officer).status == .conflict)
        }
    }
}
