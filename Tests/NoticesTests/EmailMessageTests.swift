import Foundation
@testable import Notices
import Testing

/// Notice emails as a mail relay sees them: 7-bit lines, encoded words for anything that could end a header.
@Suite struct EmailMessageTests {
    @Test func namesWithSpecialsOrControlCharactersAreEncodedNeverRaw() throws {
        #expect(EmailMessage.encodeWord("HueS") == "HueS")
        for hostile in ["Evil\r\nBcc: x@evil.example", "A <b@c.vn>", "Nguyễn Thị Hoa", "a,b", "a;b", "=?x?="] {
            let encoded = EmailMessage.encodeWord(hostile)
            #expect(encoded.hasPrefix("=?UTF-8?B?"), "\(hostile)")
            #expect(!encoded.contains("\r\nBcc") && !encoded.contains("<"))
        }
        let message = EmailMessage(fromName: "HueS", fromAddress: "no-reply@hues.example", toName: "Evil\r\nBcc: x@evil.example",
                                   toAddress: "hoa@example.vn", subject: "Hồ sơ đã tiếp nhận", body: "Xin chào\nDòng 2")
        let lines = message.rendered().components(separatedBy: "\r\n")
        #expect(!lines.contains { $0.hasPrefix("Bcc:") })
        #expect(lines.allSatisfy { $0.utf8.count <= 998 && $0.utf8.allSatisfy { $0 < 0x80 } })
        let body = lines.drop { !$0.isEmpty }.dropFirst().joined()
        #expect(String(decoding: try #require(Data(base64Encoded: body)), as: UTF8.self) == "Xin chào\r\nDòng 2")
    }

    @Test func aMissingTemplateIsAnErrorNotAnEmptyEmail() throws {
        let templates = try NoticeTemplates()
        #expect(templates.has("identity.welcome"))
        let welcome = try templates.render("identity.welcome", data: ["name": "Hoa", "username": "hoa"], language: "vi")
        #expect(!welcome.subject.isEmpty && welcome.body.contains("Hoa"))
        #expect(throws: (any Error).self) { _ = try templates.render("no.such.template", data: [:], language: "vi") }
    }
}
