import App
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Platform
import Testing

/// The CA and signing over HTTP: who may issue, who may sign, and what anyone sees when verifying.
@Suite struct SignaturesHTTPTests {
    func signDetached(_ client: some TestClientProtocol, _ document: Data, token: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/signatures/detached?name=quyet-dinh.txt", method: .post,
                                 headers: [.authorization: "Bearer \(token)", .contentType: "application/octet-stream"],
                                 body: ByteBuffer(data: document)) { $0 }
    }

    func verify(_ client: some TestClientProtocol, document: Data, signature: Data?) async throws -> [String: AnyCodable] {
        var form = MultipartBody()
        form.file("document", "doc.txt", "text/plain", document)
        if let signature { form.file("signature", "doc.p7s", "application/pkcs7-signature", signature) }
        return try await client.execute(uri: "/api/v1/signatures/verify", method: .post, headers: [.contentType: form.contentType],
                                        body: ByteBuffer(data: form.finished)) { response in
            #expect(response.status == .ok, "\(body(response))")
            return try JSONDecoder().decode([String: AnyCodable].self, from: Data(buffer: response.body))
        }
    }

    @Test func anOfficerSignsAndAnyoneVerifiesWhoSignedAndWhetherItChanged() async throws {
        try await TestApp.run { client, _ in
            let officer = try await client.signIn("officer", Demo.passwords["officer"] ?? "").access
            let mine = try await client.send(.get, "/api/v1/signatures/certificates", token: officer)
            #expect(mine.status == .ok)
            #expect(body(mine).contains("\"status\":\"valid\""), "the demo officer has a certificate: \(body(mine))")

            let document = Data("Quyết định số 42/QĐ-UBND về việc cấp giấy phép xây dựng".utf8)
            let signed = try await signDetached(client, document, token: officer)
            #expect(signed.status == .ok, "\(body(signed))")
            #expect(signed.headers[.contentType] == "application/pkcs7-signature")
            let signature = Data(buffer: signed.body)

            let report = try await verify(client, document: document, signature: signature)
            #expect(report["verdict"]?.string == "valid", "\(report)")
            #expect(report["signer"]?["commonName"]?.string == "Trần Văn Minh")
            #expect(report["signer"]?["organizationalUnit"]?.string == "Phường Phú Xuân")
            #expect(report["documentIntact"]?.bool == true)

            var altered = document
            altered[altered.startIndex] ^= 0x20
            #expect(try await verify(client, document: altered, signature: signature)["verdict"]?.string == "altered")
            #expect(try await verify(client, document: document, signature: Data("garbage".utf8))["verdict"]?.string == "malformed")
            #expect(try await verify(client, document: document, signature: nil)["verdict"]?.string == "malformed")
        }
    }

    @Test func onlyAdminsRunTheCAAndOnlyStaffSign() async throws {
        try await TestApp.run { client, _ in
            let admin = try await client.signIn("admin", Demo.passwords["admin"] ?? "").access
            let citizen = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
            let officer = try await client.signIn("officer", Demo.passwords["officer"] ?? "").access

            #expect(try await client.send(.post, "/api/v1/ca/certificates", token: officer, json: #"{"unit":"phuong-phu-xuan"}"#).status == .forbidden)
            #expect(try await signDetached(client, Data("x".utf8), token: citizen).status == .forbidden)

            let issued = try await client.send(.post, "/api/v1/ca/certificates", token: admin, json: #"{"unit":"phuong-phu-xuan","algorithm":"rsa-2048"}"#)
            #expect(issued.status == .created, "\(body(issued))")
            let serial = try #require(try client.json([String: AnyCodable].self, issued)["serial"]?.string)
            #expect(try await client.send(.post, "/api/v1/ca/certificates", token: admin, json: #"{"officer":"citizen"}"#).status == .unprocessableContent)
            #expect(try await client.send(.post, "/api/v1/ca/certificates", token: admin, json: #"{"unit":"phuong-phu-xuan","algorithm":"dsa"}"#).status == .badRequest)

            let revoked = try await client.send(.post, "/api/v1/ca/certificates/\(serial)/revoke", token: admin, json: #"{"reason":"key-compromise"}"#)
            #expect(revoked.status == .ok)
            #expect(try await client.send(.post, "/api/v1/ca/certificates/\(serial)/revoke", token: admin, json: "{}").status == .conflict)

            let crl = try await client.send(.get, "/ca/hue.crl")
            #expect(crl.status == .ok)
            #expect(crl.headers[.contentType] == "application/pkix-crl")
            #expect(try await client.send(.get, "/ca/root.crt").headers[.contentType] == "application/pkix-cert")
            #expect(try await client.send(.get, "/ca/nothing.crl").status == .notFound)
        }
    }

    @Test func aRevokedOfficerCannotSignAndIsToldWhy() async throws {
        try await TestApp.run { client, _ in
            let admin = try await client.signIn("admin", Demo.passwords["admin"] ?? "").access
            let officer = try await client.signIn("officer", Demo.passwords["officer"] ?? "").access
            let mine = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/signatures/certificates", token: officer))
            let serial = try #require(mine.first?["serial"]?.string)
            _ = try await client.send(.post, "/api/v1/ca/certificates/\(serial)/revoke", token: admin, json: #"{"reason":"affiliation-changed"}"#)
            let refused = try await signDetached(client, Data("x".utf8), token: officer)
            #expect(refused.status == .forbidden)
            #expect(body(refused).contains("revoked"))
        }
    }

    @Test func theVerifyPageShowsTheSigner() async throws {
        try await TestApp.run { client, _ in
            let officer = try await client.signIn("officer", Demo.passwords["officer"] ?? "").access
            let document = Data("Giấy chứng nhận".utf8)
            let signature = Data(buffer: try await signDetached(client, document, token: officer).body)
            let blank = try await client.send(.get, "/verify")
            let csrf = try #require(hiddenCSRF(in: body(blank)))
            let csrfCookie = try #require(cookie("hues_csrf", in: blank))
            var form = MultipartBody()
            form.field("_csrf", csrf)
            form.file("document", "doc.txt", "text/plain", document)
            form.file("signature", "doc.p7s", "application/pkcs7-signature", signature)
            let page = try await client.execute(uri: "/verify", method: .post,
                                                headers: [.contentType: form.contentType, .acceptLanguage: "vi", .cookie: "hues_csrf=\(csrfCookie)"],
                                                body: ByteBuffer(data: form.finished)) { $0 }
            #expect(page.status == .ok)
            #expect(body(page).contains("Chữ ký hợp lệ"))
            #expect(body(page).contains("Trần Văn Minh"))
        }
    }

    @Test func oversizedUploadsAndBrokenPDFsAreReportedForWhatTheyAre() async throws {
        try await TestApp.run(configure: { $0.maxBodyBytes = 64 * 1024 }) { client, _ in
            var big = MultipartBody()
            big.file("document", "big.pdf", "application/pdf", Data(repeating: 0x41, count: 100 * 1024))
            let tooBig = try await client.execute(uri: "/api/v1/signatures/verify", method: .post, headers: [.contentType: big.contentType],
                                                  body: ByteBuffer(data: big.finished)) { $0 }
            #expect(tooBig.status == .contentTooLarge)

            for (bytes, expected) in [(Data("%PDF-1.7\n/ByteRange [0 10 99999 5] /Contents <00>".utf8), "does not match the file"),
                                      (Data("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF".utf8), "carries no signature"),
                                      (Data("GIF89a".utf8), "No signature came with the document")] {
                var form = MultipartBody()
                form.file("document", "doc.pdf", "application/pdf", bytes)
                let report = try await client.execute(uri: "/api/v1/signatures/verify", method: .post, headers: [.contentType: form.contentType],
                                                      body: ByteBuffer(data: form.finished)) { response in
                    #expect(response.status == .ok)
                    return try JSONDecoder().decode([String: AnyCodable].self, from: Data(buffer: response.body))
                }
                #expect(report["verdict"]?.string == "malformed")
                #expect(report["reasons"]?.array?.first?.string?.contains(expected) == true, "\(report)")
            }
        }
    }
}
