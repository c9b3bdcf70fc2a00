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
    /// Bytes held at most (messages are up to 64 KiB each, so the count alone would allow gigabytes).
    public static let capacityBytes = 64 * 1024 * 1024
    /// Bytes read and stored in one round.
    static let batchBytes = 8 * 1024 * 1024
    public static let unassigned = "unassigned"

    private struct Queue {
        var messages: [Received] = []
        var bytes = 0
    }

    private let queue = Mutex<Queue>(Queue())
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
            guard queue.messages.count < Self.capacity, queue.bytes + bytes.count <= Self.capacityBytes else { return false }
            queue.messages.append(Received(bytes: bytes, sender: sender, at: clock(), refused: refused))
            queue.bytes += bytes.count
            return true
        }
        if !kept { dropped.increment() }
    }

    public var waiting: Int { queue.withLock { $0.messages.count } }

    /// The next batch: at most 5,000 messages and 8 MiB.
    private func take() -> [Received] {
        queue.withLock { queue in
            var count = 0
            var bytes = 0
            while count < queue.messages.count, count < SecurityIngest.maximumLines,
                  count == 0 || bytes + queue.messages[count].bytes.count <= Self.batchBytes {
                bytes += queue.messages[count].bytes.count
                count += 1
            }
            let taken = Array(queue.messages.prefix(count))
            queue.messages.removeFirst(count)
            queue.bytes -= bytes
            return taken
        }
    }

    /// A batch the SOC could not take goes back to the head of the queue; what no longer fits is dropped, counted.
    private func putBack(_ batch: [Received]) {
        let lost = queue.withLock { queue -> Int in
            var room = batch
            var bytes = room.reduce(0) { $0 + $1.bytes.count }
            while !room.isEmpty, queue.messages.count + room.count > Self.capacity || queue.bytes + bytes > Self.capacityBytes {
                bytes -= room.removeLast().bytes.count
            }
            queue.messages.insert(contentsOf: room, at: 0)
            queue.bytes += bytes
            return batch.count - room.count
        }
        if lost > 0 { dropped.increment(by: Int64(lost)) }
    }

    /// The unit of a sending address: the first configured network holding it.
    public func unitOf(_ sender: String) -> String { unit(of: sender) }

    func unit(of sender: String) -> String {
        sources.first { $0.network.contains(sender) }?.unit ?? Self.unassigned
    }

    /// Reads and takes in what is waiting, a batch at a time; a batch the SOC sheds goes back to the queue's head.
    public func drain(into ingest: SecurityIngest, logger: Logger) async throws {
        while true {
            let batch = take()
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
            let receipt: SecurityIngest.Receipt?
            do {
                receipt = try await ingest.ingest(items: items, logger: logger)
            } catch {
                // The database said no (a failover, a restart): the batch waits for the next round, not lost.
                putBack(batch)
                throw error
            }
            guard receipt != nil else {
                putBack(batch)
                return
            }
        }
    }
}
