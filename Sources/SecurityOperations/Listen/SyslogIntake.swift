import Foundation
import Logging
import Metrics
import Platform
import Synchronization

/// Syslog messages as the listeners hand them over: queued without waiting (bounded; past it, dropped and counted,
/// so a flood costs messages, never the server's memory), then read, given their sender's unit and taken in by a
/// background round. A message that does not read is kept as malformed with its bytes.
public final class SyslogIntake: Sendable {
    struct Received: Sendable {
        let bytes: [UInt8]
        let sender: String
        let at: Date
        /// Why the listener could not frame it, when it could not.
        let refused: String?
    }

    public static let capacity = 50_000
    public static let unassigned = "unassigned"

    private let queue = Mutex<[Received]>([])
    private let dropped = Counter(label: "hues_soc_events_total", dimensions: [("outcome", "shed")])
    private let sources: [(network: IPNetwork, unit: String)]
    private let parserZone: TimeZone
    let clock: @Sendable () -> Date

    public init(sources: [SecuritySettings.Source], timeZone: TimeZone, clock: @escaping @Sendable () -> Date) {
        self.sources = sources.compactMap { source in IPNetwork(cidr: source.network).map { ($0, source.unit) } }
        parserZone = timeZone
        self.clock = clock
    }

    /// From a listener's thread: never blocks.
    public func accept(_ bytes: [UInt8], from sender: String, refused: String? = nil) {
        let kept = queue.withLock { queue -> Bool in
            guard queue.count < Self.capacity else { return false }
            queue.append(Received(bytes: bytes, sender: sender, at: clock(), refused: refused))
            return true
        }
        if !kept { dropped.increment() }
    }

    public var waiting: Int { queue.withLock { $0.count } }

    /// The unit of a sending address: the first configured network holding it.
    public func unitOf(_ sender: String) -> String { unit(of: sender) }

    func unit(of sender: String) -> String {
        sources.first { $0.network.contains(sender) }?.unit ?? Self.unassigned
    }

    /// Reads and takes in what is waiting, a batch at a time; a batch the SOC sheds goes back to the queue's head.
    public func drain(into ingest: SecurityIngest, logger: Logger) async throws {
        while true {
            let batch = queue.withLock { queue -> [Received] in
                let taken = Array(queue.prefix(SecurityIngest.maximumLines))
                queue.removeFirst(taken.count)
                return taken
            }
            guard !batch.isEmpty else { return }
            let parser = SyslogParser(timeZone: parserZone, receivedAt: clock())
            let items = batch.map { received -> SecurityIngest.Item in
                let unit = unit(of: received.sender)
                if let refused = received.refused {
                    return .malformed(raw: received.bytes, reason: refused, source: "syslog", unit: unit, receivedAt: received.at)
                }
                do {
                    let message = try parser.parse(received.bytes)
                    var event = SecurityEventNormaliser.event(from: message, raw: received.bytes, receivedAt: received.at)
                    event.fields["observer.ip"] = .string(received.sender)
                    return .event(event, unit: unit)
                } catch {
                    return .malformed(raw: received.bytes, reason: "\(error)", source: "syslog", unit: unit, receivedAt: received.at)
                }
            }
            guard try await ingest.ingest(items: items, logger: logger) != nil else {
                queue.withLock { queue in queue.insert(contentsOf: batch.prefix(max(0, Self.capacity - queue.count)), at: 0) }
                return
            }
        }
    }
}
