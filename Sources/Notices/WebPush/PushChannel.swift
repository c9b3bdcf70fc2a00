import Foundation
import Logging
import Platform

/// Notices to the browsers a person subscribed: the title, text and link in the language the browser was subscribed
/// in, encrypted for that browser (RFC 8291), signed for the push service (VAPID, RFC 8292), and POSTed to its
/// endpoint (RFC 8030). A push service that answers 404 or 410 has dropped the subscription: it is forgotten.
struct PushChannel: NoticeChannel {
    /// A day: a notice older than that is still in the inbox, but no longer worth waking a phone for.
    static let timeToLive = 86_400
    /// Push services accept 4 KB; a notice's words are cut well before that (in bytes), the inbox has them whole.
    static let maximumTitleBytes = 256
    static let maximumBodyBytes = 1536

    let subscriptions: PushSubscriptions
    let keys: VapidKeys
    let templates: NoticeTemplates
    let http: OutboundHTTP
    let subject: String

    var name: String { "push" }

    func send(_ notice: NoticeRecord, delivery: NoticeDeliveryRecord, logger: Logger) async throws {
        guard let subscriptionID = delivery.subscriptionID,
              let subscription = try await subscriptions.find(subscriptionID, logger: logger)
        else { throw NoticeChannelFailure.permanent("the browser's subscription was removed") }
        // A browser that changed hands since the notice was queued never shows the previous person's notice.
        guard subscription.accountID == notice.accountID else {
            throw NoticeChannelFailure.permanent("the browser is now subscribed by someone else")
        }
        let payload = try await message(notice, language: subscription.language, logger: logger)
        let body: Data
        do {
            body = try PushEncryption.encrypt(payload, for: subscription.receiverKey, authSecret: subscription.authSecret)
        } catch let failure as PushEncryption.Failure {
            throw NoticeChannelFailure.permanent("the notice does not fit in a push message: \(failure)")
        }
        let vapid = try await keys.current(logger: logger)
        let answer: (status: Int, body: String)
        do {
            answer = try await http.post(url: subscription.endpoint, headers: [
                ("Content-Type", "application/octet-stream"), ("Content-Encoding", "aes128gcm"), ("TTL", String(Self.timeToLive)),
                ("Urgency", "normal"), ("Authorization", try vapid.authorization(for: subscription.endpoint, subject: subject)),
            ], body: body)
        } catch let refusal as OutboundPolicy.Refusal {
            throw NoticeChannelFailure.permanent("the push service's address is refused: \(refusal.description)")
        } catch let unresolved as OutboundPolicy.Unresolved {
            throw NoticeChannelFailure.transient(unresolved.description)
        }
        switch answer.status {
        case 200...202:
            return
        case 404, 410:
            try await subscriptions.forget(subscription, because: "the push service dropped the subscription (\(answer.status))", logger: logger)
            throw NoticeChannelFailure.permanent("the push service dropped the subscription (\(answer.status))")
        case 408, 425, 429, 500...599:
            throw NoticeChannelFailure.transient("the push service answered \(answer.status) \(answer.body.prefix(200))")
        default:
            // 400, 401/403 (a VAPID key it does not accept), 413 (too large): sending the same again will not help.
            throw NoticeChannelFailure.permanent("the push service refused the message: \(answer.status) \(answer.body.prefix(200))")
        }
    }

    /// What the service worker shows: a small JSON object, in the subscription's language.
    func message(_ notice: NoticeRecord, language: String, logger: Logger) async throws -> Data {
        let id = try notice.requireID()
        let data = try JSONColumn.decode([String: String].self, from: notice.data, table: NoticeRecord.schema, column: "data",
                                         row: id.uuidString, logger: logger)
        let text = try templates.render(notice.template, data: data, language: language)
        let object = ["id": id.uuidString, "title": Self.clip(text.subject, to: Self.maximumTitleBytes),
                      "body": Self.clip(text.body, to: Self.maximumBodyBytes), "link": notice.link ?? "/notices"]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    /// The longest prefix of whole characters that fits in `bytes` of UTF-8, with an ellipsis when something was cut.
    static func clip(_ text: String, to bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var kept = ""
        var used = 3  // the ellipsis
        for character in text {
            let size = character.utf8.count
            if used + size > bytes { break }
            kept.append(character)
            used += size
        }
        return kept + "…"
    }
}
