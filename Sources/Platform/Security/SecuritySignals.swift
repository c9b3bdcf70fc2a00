import Foundation

/// What the platform notices about attacks on itself (failed sign-ins, forged or reused tokens, refused access,
/// clients past their request limits, bad webhook signatures), for
/// the security operations centre to take in as events from unit "platform". Recording never blocks a request: the
/// receiver buffers, bounded, and drops (counted) rather than slow the city's traffic.
public protocol SecuritySignals: Sendable {
    func record(_ signal: SecuritySignal)
}

public struct SecuritySignal: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case signInFailed = "sign-in-failed"
        case accessForbidden = "access-forbidden"
        case webhookSignatureFailed = "webhook-signature-failed"
        /// A bearer token whose signature does not verify: forged, or signed with a key this city never had.
        case tokenForged = "token-forged"
        /// A refresh token used a second time: the whole sign-in's tokens are revoked, and someone else may hold one.
        case tokenReused = "token-reused"
        /// A client refused by the request limits (429).
        case rateLimited = "rate-limited"
    }

    public var kind: Kind
    public var sourceAddress: String
    public var method: String
    public var path: String
    public var status: Int
    /// The account, when the request was signed in.
    public var accountID: String?
    public var at: Date

    public init(kind: Kind, sourceAddress: String, method: String, path: String, status: Int, accountID: String?, at: Date) {
        self.kind = kind
        self.sourceAddress = sourceAddress
        self.method = method
        self.path = path
        self.status = status
        self.accountID = accountID
        self.at = at
    }
}
