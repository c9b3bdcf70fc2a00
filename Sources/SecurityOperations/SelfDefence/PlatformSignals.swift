import Foundation
import Logging
import Metrics
import Platform
import Synchronization

/// The platform's own security signals, taken in as events of unit "platform": recorded without waiting (a bounded
/// buffer; past it, dropped and counted), then sent through the same ingest as any unit's events by a background
/// round, where the rules (the shipped sign-in brute-force correlation among them) see them.
public final class PlatformSignals: SecuritySignals {
    public static let unit = "platform"
    public static let capacity = 10_000

    private let pending = Mutex<[SecuritySignal]>([])
    private let dropped = Counter(label: "hues_soc_platform_signals_dropped_total")

    public init() {}

    public func record(_ signal: SecuritySignal) {
        let kept = pending.withLock { signals -> Bool in
            guard signals.count < Self.capacity else { return false }
            signals.append(signal)
            return true
        }
        if !kept { dropped.increment() }
    }

    var count: Int { pending.withLock { $0.count } }

    /// Sends what is waiting; what the SOC sheds waits for the next round (within the buffer's bound).
    func flush(into ingest: SecurityIngest, logger: Logger) async throws {
        let batch = pending.withLock { signals -> [SecuritySignal] in
            let taken = Array(signals.prefix(SecurityIngest.maximumLines))
            signals.removeFirst(taken.count)
            return taken
        }
        guard !batch.isEmpty else { return }
        let events = batch.map { (Self.event(for: $0), unit: Self.unit) }
        let receipt: SecurityIngest.Receipt?
        do {
            receipt = try await ingest.ingest(events, logger: logger)
        } catch {
            putBack(batch)
            throw error
        }
        if receipt == nil { putBack(batch) }
    }

    /// Back to the head of the buffer for the next round; what no longer fits is dropped, counted.
    private func putBack(_ batch: [SecuritySignal]) {
        let kept = pending.withLock { signals -> Int in
            let room = batch.prefix(max(0, Self.capacity - signals.count))
            signals.insert(contentsOf: room, at: 0)
            return room.count
        }
        if kept < batch.count { dropped.increment(by: Int64(batch.count - kept)) }
    }

    static func event(for signal: SecuritySignal) -> SecurityEvent {
        let category = [.signInFailed, .tokenForged, .tokenReused].contains(signal.kind) ? "authentication" : "web"
        let action = switch signal.kind {
        case .signInFailed: "sign-in"
        case .accessForbidden: "access"
        case .webhookSignatureFailed: "webhook-signature"
        case .tokenForged: "token-verification"
        case .tokenReused: "token-refresh"
        case .rateLimited: "request-limit"
        }
        var fields: [String: JSONValue] = [
            "@timestamp": .string(ISO8601DateFormatter().string(from: signal.at)),
            "event.kind": .string("event"), "event.category": .string(category), "event.action": .string(action),
            "event.outcome": .string("failure"), "event.type": .array([.string("denied")]), "event.code": .string(signal.kind.rawValue),
            // An IPv6 subscriber is given a whole /64: counted per address, an attacker would rotate through it.
            "source.ip": .string(signal.sourceAddress), "source.network": .string(IPNetwork.budgetKey(signal.sourceAddress)),
            "http.request.method": .string(signal.method),
            "url.path": .string(signal.path), "http.response.status_code": .number(Double(signal.status)),
            "observer.product": .string("HueS"), "host.name": .string("hues"),
        ]
        if let account = signal.accountID { fields["user.id"] = .string(account) }
        let raw = Array("\(signal.kind.rawValue) \(signal.method) \(signal.path) \(signal.status) from \(signal.sourceAddress)".utf8)
        return SecurityEvent(source: .ecs, timestamp: signal.at, receivedAt: signal.at, fields: fields, raw: raw)
    }
}
