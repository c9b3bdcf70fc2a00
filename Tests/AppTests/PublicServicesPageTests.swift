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

struct DemoDossierTests {
    @Test func theDemoCityHasDossiersInEveryStateAndOverdueOnesEscalateToTheLeader() async throws {
        try await TestApp.run { client, runtime in
            let lines = try await runtime.seedDemo()
            #expect(lines.contains { $0.hasPrefix("dossiers: 8 demo dossiers") })
            #expect(try await runtime.seedDemo().contains("dossiers: demo dossiers already there"))
            let citizen = try await client.token("citizen")
            let mine = try client.json([DossierSummary].self, try await client.send(.get, "/api/v1/dossiers", token: citizen))
            #expect(Set(mine.map(\.state)).isSuperset(of: ["submitted", "processing", "awaiting-supplement", "awaiting-approval", "returned"]))
            let officer = try await client.token("officer")
            let overdue = try client.json(DossierQueue.self,
                                          try await client.send(.get, "/api/v1/units/phuong-phu-xuan/dossier-queue?filter=overdue", token: officer))
            #expect(!overdue.dossiers.isEmpty)
            let escalated = try await #require(try runtime.require(WorkflowModule.self).escalation).run(logger: Logger(label: "test"))
            #expect(escalated.contains { $0.level == 1 && overdue.dossiers.map { "dossier:\($0.code)" }.contains($0.subject) })
            let leader = try await client.token("leader")
            let inbox = body(try await client.send(.get, "/api/v1/notices", token: leader))
            #expect(inbox.contains("dossier:"))
            let finance = try await client.token("finance")
            let departmentQueue = try client.json(DossierQueue.self,
                                                  try await client.send(.get, "/api/v1/units/so-tai-chinh/dossier-queue", token: finance))
            #expect(departmentQueue.dossiers.count == 1)  // received at the city's one-stop centre, decided by the department
        }
    }
}

/// A browser's multipart form, built by hand.
struct MultipartBody {
    let boundary = "----hues-test-\(UUID().uuidString.prefix(8))"
    var data = Data()

    mutating func field(_ name: String, _ value: String) {
        data += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String, _ fileName: String, _ type: String, _ content: Data) {
        data += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        data += content + Data("\r\n".utf8)
    }

    var finished: Data { data + Data("--\(boundary)--\r\n".utf8) }
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }
}

struct PublicServicesPageTests {
    func get(_ client: some TestClientProtocol, _ uri: String, session: String? = nil) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: session.map { [.cookie: "hues_session=\($0)"] } ?? [:]) { $0 }
    }

    func post(_ client: some TestClientProtocol, _ uri: String, _ form: MultipartBody, session: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: [.cookie: "hues_session=\(session)", .contentType: form.contentType],
                                 body: ByteBuffer(data: form.finished)) { $0 }
    }

    @Test func aCitizenFilesFromThePageAndAnOfficerWorksItFromTheConsole() async throws {
        try await TestApp.run { client, _ in
            let catalogue = try await get(client, "/procedures?q=khai+sinh")  // as a browser sends a search form
            #expect(catalogue.status == .ok)
            #expect(body(catalogue).contains("/procedures/1.001193"))
            let anonymous = try await get(client, "/procedures/1.001193")
            #expect(body(anonymous).contains("/login?next=/procedures/1.001193"))

            let citizen = try await browserSession(client, "citizen")
            let page = body(try await get(client, "/procedures/1.001193", session: citizen))
            let csrf = try #require(hiddenCSRF(in: page))
            #expect(page.contains("name=\"form.childName\""))
            var form = MultipartBody()
            form.field("_csrf", csrf)
            form.field("competentUnit", "phuong-phu-xuan")
            form.field("form.childName", "Lê Gia Bảo")
            form.field("form.childBirthDate", "2026-11-01")
            form.field("form.sex", "Nam")
            form.field("form.birthPlace", "Trạm y tế phường Phú Xuân")
            form.field("form.motherName", "Nguyễn Thị Hoa")
            form.field("form.relationship", "Mẹ")
            form.file("file.to-khai", "to-khai.pdf", "application/pdf", Files.pdf)
            // A text file renamed to .png is refused with the form shown again, not stored.
            var bad = form
            bad.file("file.giay-chung-sinh", "giay-chung-sinh.png", "image/png", Files.fakePDF)
            let refused = try await post(client, "/procedures/1.001193/file", bad, session: citizen)
            #expect(refused.status == .unsupportedMediaType)
            #expect(body(refused).contains("giay-chung-sinh.png"))
            #expect(body(refused).contains("Lê Gia Bảo"))  // what they typed is still there
            form.file("file.giay-chung-sinh", "giay-chung-sinh.png", "image/png", Files.png)
            let filed = try await post(client, "/procedures/1.001193/file", form, session: citizen)
            #expect(filed.status == .seeOther)
            let location = try #require(filed.headers[.location])
            let code = String(location.dropFirst("/dossiers/".count).prefix { $0 != "?" })
            #expect(body(try await get(client, location, session: citizen)).contains("id=\"filed\""))
            #expect(body(try await get(client, "/dossiers", session: citizen)).contains(code))

            let officer = try await browserSession(client, "officer")
            let queue = body(try await get(client, "/officer/dossiers", session: officer))
            #expect(queue.contains(code))
            let detail = body(try await get(client, "/dossiers/\(code)", session: officer))
            #expect(detail.contains("id=\"action-receive\""))
            var receive = MultipartBody()
            receive.field("_csrf", try #require(hiddenCSRF(in: detail)))
            #expect(try await post(client, "/dossiers/\(code)/actions/receive", receive, session: officer).status == .seeOther)
            let received = body(try await get(client, "/dossiers/\(code)", session: officer))
            #expect(received.contains("data-state=\"received\""))
            // A refused action comes back as a message on the page, not an error page.
            var approve = MultipartBody()
            approve.field("_csrf", try #require(hiddenCSRF(in: received)))
            let wrong = try await post(client, "/dossiers/\(code)/actions/approve", approve, session: officer)
            #expect(wrong.headers[.location]?.contains("error=") == true)
            // Without the form's token the post is refused as a forgery.
            var forged = MultipartBody()
            forged.field("_csrf", "not-the-token")
            #expect(try await post(client, "/dossiers/\(code)/actions/claim", forged, session: officer).status == .forbidden)

            let slip = body(try await get(client, "/dossiers/\(code)/forms/01", session: citizen))
            #expect(slip.contains(code) && slip.contains("id=\"form-promised\""))
            let lookup = body(try await get(client, "/lookup?code=\(code)"))
            #expect(lookup.contains("id=\"lookup-state\""))
            #expect(!lookup.contains("Nguyễn Thị Hoa"))
            #expect(body(try await get(client, "/lookup?code=000.16.00.H57-200101-0009")).contains("id=\"lookup-none\""))
            let leader = try await browserSession(client, "leader")
            #expect(body(try await get(client, "/officer/dossiers", session: leader)).contains("id=\"backlog\""))
            #expect(body(try await get(client, "/officer/register?unit=phuong-phu-xuan", session: officer)).contains(code))
            // Citizens have no officer console.
            #expect(try await get(client, "/officer/dossiers", session: citizen).status == .forbidden)
        }
    }
}

/// The text of a PDF as poppler's pdftotext reads it.
func pdfText(_ pdf: Data) async throws -> String {
    let folder = try ExternalTool.scratchFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try pdf.write(to: URL(fileURLWithPath: folder + "/document.pdf"))
    return try await ExternalTool.run(["pdftotext", "-layout", "document.pdf", "-"], in: folder).output
}
