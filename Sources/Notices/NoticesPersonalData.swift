import Foundation
import Logging
import Platform

extension NoticesModule {
    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "notices", columns: ["account_id", "data"], category: "messages", purpose: "the person's inbox",
                           basis: .service, retention: "while the account is open"),
         PersonalDataField(table: "push_subscriptions", columns: ["endpoint", "p256dh", "auth"], category: "device",
                           purpose: "showing notices on the browsers the person switched on", basis: .consent,
                           retention: "until the person switches the device off, signs out there, or the push service drops it")]
    }

    public var personalDataSource: (any PersonalDataSource)? { NoticesPersonalData(store: store, push: push) }
}

struct NoticesPersonalData: PersonalDataSource {
    struct Held: Encodable, Sendable {
        var notices: [Notice]
        var devices: [PushSubscription]
    }

    let store: NoticeStore
    let push: PushSubscriptions

    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable {
        Held(notices: try await store.inbox(of: principal.accountID, language: "vi", limit: 10_000, logger: logger).notices,
             devices: try await push.list(accountID: principal.accountID, logger: logger))
    }
}
