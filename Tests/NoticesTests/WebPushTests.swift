import Crypto
import Foundation
@testable import Notices
import Platform
import Testing

struct NotBase64URL: Error {}

func bytes(_ text: String) throws -> Data {
    guard let data = Data(base64URLEncoded: text) else { throw NotBase64URL() }
    return data
}

/// Web Push messages as a browser and a push service see them.
@Suite struct WebPushTests {
    /// RFC 8291 §5: the same keys, secret and salt give the specification's message, byte for byte.
    @Test func encryptsTheSpecificationsExampleExactly() throws {
        let sender = try P256.KeyAgreement.PrivateKey(rawRepresentation: try bytes("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
        #expect(sender.publicKey.x963Representation.base64URLEncoded
            == "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8")
        let receiver = try P256.KeyAgreement.PublicKey(x963Representation: try bytes(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"))
        let message = try PushEncryption.encrypt(Data("When I grow up, I want to be a watermelon".utf8), for: receiver,
                                                 authSecret: try bytes("BTBZMqHH6r4Tts7J_aSIgg"),
                                                 senderKey: sender, salt: try bytes("DGv6ra1nlYgDCS1FRnbzlw"))
        #expect(message.base64URLEncoded == """
            DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6\
            cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN
            """)
    }

    @Test func aFreshKeyAndSaltForEveryMessage() throws {
        let receiver = P256.KeyAgreement.PrivateKey().publicKey
        let secret = Data(repeating: 7, count: 16)
        let first = try PushEncryption.encrypt(Data("x".utf8), for: receiver, authSecret: secret)
        let second = try PushEncryption.encrypt(Data("x".utf8), for: receiver, authSecret: secret)
        #expect(first.prefix(16) != second.prefix(16), "salt")
        #expect(first.subdata(in: 21..<86) != second.subdata(in: 21..<86), "sender key")
    }

    @Test func aMessageTooLongForOneRecordIsRefused() throws {
        let receiver = P256.KeyAgreement.PrivateKey().publicKey
        #expect(throws: PushEncryption.Failure.tooLong(3994)) {
            try PushEncryption.encrypt(Data(count: 3994), for: receiver, authSecret: Data(count: 16))
        }
        let largest = try PushEncryption.encrypt(Data(count: PushEncryption.maximumPlaintext), for: receiver, authSecret: Data(count: 16))
        #expect(largest.count == 4096, "what every push service must accept")
    }

    @Test func longNoticesAreCutOnCharactersWithinTheirByteBudget() {
        #expect(PushChannel.clip("Đã nhận", to: 100) == "Đã nhận")
        let cut = PushChannel.clip(String(repeating: "Đường ", count: 400), to: 256)
        #expect(cut.utf8.count <= 256 && cut.hasSuffix("…") && cut.hasPrefix("Đường Đường"))
        #expect(PushChannel.clip("👨‍👩‍👧‍👦👨‍👩‍👧‍👦", to: 30) == "👨‍👩‍👧‍👦…", "a character is never split")
    }

    /// RFC 8292: a JWT for the push service's origin, signed by the key the browser subscribed with.
    @Test func theVapidTokenIsForThePushServicesOriginAndVerifies() throws {
        let vapid = VapidKey(key: P256.Signing.PrivateKey())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let header = try vapid.authorization(for: "https://push.example.net:8443/wpush/v2/abc?x=1", subject: "mailto:ops@hue.gov.vn", now: now)
        let defaultPort = try vapid.authorization(for: "https://Push.Example.NET:443/x", subject: "mailto:ops@hue.gov.vn", now: now)
        let defaultClaims = try bytes(String(defaultPort.split(separator: ".")[1]))
        #expect(String(decoding: defaultClaims, as: UTF8.self).contains(#""aud":"https://push.example.net""#))
        let parts = header.split(separator: " ")
        #expect(parts.first == "vapid")
        let token = try #require(parts.first { $0.hasPrefix("t=") }?.dropFirst(2).trimmingCharacters(in: CharacterSet(charactersIn: ",")))
        let key = try #require(parts.first { $0.hasPrefix("k=") }?.dropFirst(2))
        #expect(String(key) == vapid.publicKey)
        let pieces = token.split(separator: ".").map(String.init)
        #expect(pieces.count == 3)
        let claims = try #require(try JSONSerialization.jsonObject(with: try bytes(pieces[1])) as? [String: Any])
        #expect(claims["aud"] as? String == "https://push.example.net:8443")
        #expect(claims["sub"] as? String == "mailto:ops@hue.gov.vn")
        #expect(claims["exp"] as? Int == 1_800_000_000 + 12 * 3600)
        let publicKey = try P256.Signing.PublicKey(x963Representation: try bytes(String(key)))
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: try bytes(pieces[2]))
        #expect(publicKey.isValidSignature(signature, for: Data("\(pieces[0]).\(pieces[1])".utf8)))
    }

    @Test func subscriptionsAreCheckedAtTheEdge() throws {
        let point = P256.KeyAgreement.PrivateKey().publicKey.x963Representation.base64URLEncoded
        let secret = Data(repeating: 1, count: 16).base64URLEncoded
        func check(_ endpoint: String, _ p256dh: String = point, _ auth: String = secret, plain: Bool = false) -> [String] {
            do {
                _ = try ValidPushSubscription(PushSubscriptionInput(endpoint: endpoint, keys: .init(p256dh: p256dh, auth: auth)), allowPlainHTTP: plain)
                return []
            } catch let problem as Problem {
                return problem.errors.map(\.field)
            } catch {
                return ["unexpected \(error)"]
            }
        }
        #expect(check("https://fcm.googleapis.com/fcm/send/abc").isEmpty)
        #expect(check("http://push.example.net/abc") == ["endpoint"], "plain http only when the operator allows it")
        #expect(check("http://127.0.0.1:9000/abc", plain: true).isEmpty)
        #expect(check("https://user:pw@push.example.net/abc") == ["endpoint"])
        #expect(check("https://push.example.net/" + String(repeating: "a", count: 2048)) == ["endpoint"])
        #expect(check("javascript:alert(1)") == ["endpoint"])
        #expect(check("https://push.example.net/abc", String(point.dropLast(4))) == ["keys.p256dh"])
        #expect(check("https://push.example.net/abc", "A" + String(point.dropFirst())) == ["keys.p256dh"], "not an uncompressed point")
        #expect(check("https://push.example.net/abc", String(repeating: "A", count: 100_000)) == ["keys.p256dh"])
        #expect(check("https://push.example.net/abc", point, "c2hvcnQ") == ["keys.auth"])
        #expect(check("https://push.example.net/abc", point, "+/+/+/+/+/+/+/+/+/+/+w") == ["keys.auth"], "base64url, not base64")
    }
}

@Suite struct NoticeTextTests {
    @Test func noticesArePlainTextNotHTML() throws {
        let text = try NoticeTemplates().render("dossier.filed", data: ["code": "HS-1", "procedure": "Cấp phép \"A&B\" <tạm>"], language: "vi")
        #expect(text.body.contains("Cấp phép \"A&B\" <tạm>"), "\(text.body)")
        #expect(!text.body.contains("&amp;") && !text.body.contains("&lt;"))
    }
}

extension NoticeTextTests {
    @Test func aMissingReasonLeavesNoEmptyReasonLine() throws {
        let data = ["code": "HS-1", "procedure": "Khai sinh", "status": "Đã trả kết quả", "status_en": "Returned"]
        #expect(!(try NoticeTemplates().render("dossier.status-changed", data: data, language: "vi").body.contains("Lý do")))
        var withReason = data
        withReason["reason"] = "Thiếu giấy tờ"
        #expect(try NoticeTemplates().render("dossier.status-changed", data: withReason, language: "vi").body.contains("Lý do: Thiếu giấy tờ"))
    }
}
