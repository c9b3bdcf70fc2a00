import Crypto
import Foundation
import Platform

/// What the operations centre's screens show of accounts: how many different people signed in today. Each is
/// counted by a digest of their account id, so the figure's table holds no account id.
enum IdentityLiveFigures {
    static let all: [LiveFigure] = [
        LiveFigure(code: "identity.active-accounts-today", name: ["vi": "Tài khoản hoạt động hôm nay", "en": "Accounts active today"],
                   kind: .open, period: .day, events: ["identity.sign-in.succeeded", "identity.session.started"]) { event in
            guard let actor = event.actor else { return [] }
            let digest = SHA256.hash(data: Data("hues-active-account|\(actor)".utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
            return [.open(key: digest)]
        },
    ]
}
