import Foundation
import Logging
import Platform
import SQLKit

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
        Held(notices: try await PersonalDataExport.all { paging in
                try await store.inbox(of: principal.accountID, language: "vi", limit: paging.limit, offset: paging.offset, logger: logger).notices
             },
             devices: try await push.list(accountID: principal.accountID, logger: logger))
    }
}

extension NoticesPersonalData {
    func erase(accountID: String, logger: Logger) async throws -> ErasureReport {
        try await store.database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let notices = try await sql.raw("DELETE FROM notices WHERE account_id = \(bind: accountID) RETURNING id").all().count
            let devices = try await sql.raw("DELETE FROM push_subscriptions WHERE account_id = \(bind: accountID) RETURNING id").all().count
            try await EventLog.append(try DomainEvent(type: "notices.personal-data.erased", actorName: "the account holder", subject: "account:\(accountID)",
                                                      payload: ["notices": notices, "devices": devices]), on: db)
            return ErasureReport(erased: [ErasureLine("erasure_notices", ["count": "\(notices)"]), ErasureLine("erasure_devices", ["count": "\(devices)"])])
        }
    }
}
