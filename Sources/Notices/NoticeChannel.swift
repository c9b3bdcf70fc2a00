import Foundation
import Logging

/// One way a notice leaves the inbox (email, a browser's push service). The delivery worker claims due deliveries,
/// hands each to its channel and keeps the states and retries the same for every channel.
protocol NoticeChannel: Sendable {
    /// The `channel` column of the deliveries it sends.
    var name: String { get }
    /// Sends one delivery. Throw `NoticeChannelFailure.permanent` when retrying cannot help; anything else is retried.
    func send(_ notice: NoticeRecord, delivery: NoticeDeliveryRecord, logger: Logger) async throws
}

/// A failure that retrying the same delivery will not cure (the address is refused, the subscription is gone).
struct NoticeChannelFailure: Error, CustomStringConvertible {
    var description: String
    var isPermanent: Bool

    static func permanent(_ description: String) -> NoticeChannelFailure { .init(description: description, isPermanent: true) }
    static func transient(_ description: String) -> NoticeChannelFailure { .init(description: description, isPermanent: false) }
}
