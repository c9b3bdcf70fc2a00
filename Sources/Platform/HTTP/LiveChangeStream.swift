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
        let open = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))

        public init() {}

        public func enter(_ address: String) -> Bool {
            open.withLock { open in
                guard open.total < Self.perInstance, open.byAddress[address, default: 0] < Self.perAddress else { return false }
                open.total += 1
                open.byAddress[address, default: 0] += 1
                return true
            }
        }

        public func leave(_ address: String) {
            open.withLock { open in
                guard let held = open.byAddress[address] else { return }
                open.total -= 1
                open.byAddress[address] = held > 1 ? held - 1 : nil
            }
        }
    }

    /// One open stream's place in `Openings`, given back when the last reference to it goes.
    public final class Slot: Sendable {
        let openings: Openings
        let address: String

        public init(_ openings: Openings, _ address: String) {
            self.openings = openings
            self.address = address
        }

        deinit { openings.leave(address) }
    }

    public static let lifetime = Duration.seconds(1800)
    static let coalescing = Duration.milliseconds(250)
    /// A comment line every 20 s keeps proxies from closing an idle stream.
    static let keepAlive = Duration.seconds(20)

    /// Sends `change` events (coalesced over 250 ms) until the client goes, the server stops or half an hour passes
    /// (browsers' EventSource reconnects on its own). An idle stream wakes only for its keep-alive.
    public static func run(changes: ChangeTopics, topics: [String], to writer: inout any ResponseBodyWriter) async throws {
        let subscription = changes.subscribe(to: topics)
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let pending = Mutex<Set<String>>([])
        let reader = Task {
            for await type in subscription.types {
                pending.withLock { _ = $0.insert(type) }
                wake.yield()
            }
        }
        let ticker = Task {
            let end = ContinuousClock.now + lifetime
            while ContinuousClock.now < end {
                do { try await Task.sleep(for: keepAlive) } catch { break }
                wake.yield()
            }
            wake.finish()
        }
        defer {
            reader.cancel()
            ticker.cancel()
            changes.unsubscribe(subscription.id)
        }
        try await writer.write(ByteBuffer(string: "retry: 3000\n: following \(topics.joined(separator: ","))\n\n"))
        try await withGracefulShutdownHandler {
            for await _ in wakes {
                try await Task.sleep(for: coalescing)
                let types = pending.withLock { types in
                    defer { types = [] }
                    return types
                }
                if types.isEmpty {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                } else {
                    let data = try JSONEncoder().encode(["types": types.sorted()])
                    try await writer.write(ByteBuffer(string: "event: change\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                }
            }
        } onGracefulShutdown: {
            wake.finish()
        }
    }
}
