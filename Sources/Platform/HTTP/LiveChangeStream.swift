import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// Server-Sent Events of committed event types: a live page learns that something of its topics changed (on any
/// instance: `ChangeBroadcast`) and asks its feed again. Types are coalesced every 250 ms, so a flood of reports is a
/// few messages a second, not one per report.
public enum LiveChangeStream {
    /// Bounds on open streams: each one holds a connection for up to half an hour.
    public final class Openings: Sendable {
        static let perInstance = 5_000
        static let perAddress = 20
        let open = Mutex<[String: Int]>([:])

        public init() {}

        public func enter(_ address: String) -> Bool {
            open.withLock { open in
                guard open.values.reduce(0, +) < Self.perInstance, open[address, default: 0] < Self.perAddress else { return false }
                open[address, default: 0] += 1
                return true
            }
        }

        public func leave(_ address: String) {
            open.withLock { open in
                open[address, default: 1] -= 1
                if open[address] == 0 { open[address] = nil }
            }
        }
    }

    public static let lifetime = Duration.seconds(1800)
    static let tick = Duration.milliseconds(250)
    /// A comment line every 20 s keeps proxies from closing an idle stream.
    static let keepAliveTicks = 80

    /// Sends `change` events (coalesced every 250 ms) until the client goes, the server stops or half an hour passes
    /// (browsers' EventSource reconnects on its own).
    public static func run(changes: ChangeTopics, topics: [String], to writer: inout any ResponseBodyWriter) async throws {
        let subscription = changes.subscribe()
        let pending = Mutex<Set<String>>([])
        let reader = Task {
            for await type in subscription.types where topics.contains(where: { type == $0 || type.hasPrefix($0 + ".") }) {
                pending.withLock { _ = $0.insert(type) }
            }
        }
        defer {
            reader.cancel()
            changes.unsubscribe(subscription.id)
        }
        try await writer.write(ByteBuffer(string: "retry: 3000\n: following \(topics.joined(separator: ","))\n\n"))
        let end = ContinuousClock.now + lifetime
        var quiet = 0
        while ContinuousClock.now < end, !Task.isCancelled, !Task.isShuttingDownGracefully {
            try await Task.sleep(for: tick)
            let types = pending.withLock { types in
                defer { types = [] }
                return types
            }
            if types.isEmpty {
                quiet += 1
                guard quiet >= keepAliveTicks else { continue }
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
            } else {
                let data = try JSONEncoder().encode(["types": types.sorted()])
                try await writer.write(ByteBuffer(string: "event: change\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
            }
            quiet = 0
        }
    }
}
