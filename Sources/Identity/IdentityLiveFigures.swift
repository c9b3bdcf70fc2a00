import Foundation
import Platform

/// What the operations centre's screens show of accounts: how many different people signed in today. (The
/// projection keeps things of daily figures as digests salted with the day: no account id is stored, and one
/// person's two days cannot be linked.)
enum IdentityLiveFigures {
    static let all: [LiveFigure] = [
        LiveFigure(code: "identity.active-accounts-today", name: ["vi": "Tài khoản hoạt động hôm nay", "en": "Accounts active today"],
                   kind: .open, period: .day, events: ["identity.sign-in.succeeded", "identity.session.started"]) { event in
            guard let actor = event.actor else { return [] }
            return [.open(key: actor)]
        },
    ]
}
