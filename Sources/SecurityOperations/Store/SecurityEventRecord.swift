import Crypto
import Foundation
import Platform

/// An event as the SOC stores it: the unit from the key or host it came by, the columns reports and searches filter
/// on, every field as JSON, and the bytes as they arrived. A malformed one keeps its bytes and the reason.
struct SecurityEventRecord: Sendable {
    let id: String
    let unit: String
    let source: String
    let occurredAtMs: Int64
    let receivedAtMs: Int64
    let host: String?
    let category: String?
    let eventType: String?
    let fields: [String: JSONValue]
    let raw: [UInt8]
    let malformed: String?
    let agentVersion: String?
    let antivirus: String?
    /// The sender's id of the event (ECS `event.id`), 1–128 bytes of printable text; nil when none is usable.
    let senderID: String?

    init(id: String, event: SecurityEvent, unit: String) {
        self.id = id
        self.unit = unit
        source = event.source.rawValue
        receivedAtMs = Self.milliseconds(event.receivedAt) ?? 0
        // Searches and reports sort by this: a sender's clock far off (a month back, a day ahead, or no date at all)
        // is filed at arrival, so an event cannot hide at either end; `@timestamp` keeps what was sent.
        let sent = Self.milliseconds(event.timestamp) ?? receivedAtMs
        occurredAtMs = sent < receivedAtMs - Self.pastToleranceMs || sent > receivedAtMs + Self.futureToleranceMs ? receivedAtMs : sent
        host = Self.host(of: event.fields)
        category = Self.first(event.fields["event.category"])
        eventType = Self.first(event.fields["event.type"])
        fields = event.fields
        raw = event.raw
        // Only the platform's own reading marks an event malformed; an ECS line saying so of itself is just a field.
        malformed = event.source != .ecs && event.fields["error.type"]?.string == "malformed-cef"
            ? event.fields["error.message"]?.string ?? "malformed CEF" : nil
        agentVersion = Self.bounded(event.fields["agent.version"]?.string)
        antivirus = Self.bounded([event.fields["observer.product"]?.string, event.fields["observer.version"]?.string]
            .compactMap { $0 }.joined(separator: " "))
        senderID = Self.senderID(event.fields["event.id"])
    }

    /// An id that is not usable as one (too long, control characters, not text) is not used: the event is stored as
    /// any event without an id, never refused for it.
    static func senderID(_ value: JSONValue?) -> String? {
        guard let text = value?.string, (1...128).contains(text.utf8.count),
              text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { return nil }
        return text
    }

    init(malformedID id: String, unit: String, source: String, raw: [UInt8], reason: String, receivedAt: Date) {
        self.id = id
        self.unit = unit
        self.source = source
        receivedAtMs = Self.milliseconds(receivedAt) ?? 0
        occurredAtMs = receivedAtMs
        host = nil
        category = nil
        eventType = nil
        fields = [:]
        // A line refused for its size is kept in part, with its length and digest: enough to inspect, not a way to
        // fill the disk.
        if raw.count > Self.maximumRawBytes {
            self.raw = Array(raw.prefix(Self.maximumRawBytes))
            malformed = reason + "; \(raw.count) bytes, SHA-256 \(SHA256.hash(data: raw).map { String(format: "%02x", $0) }.joined()), first \(Self.maximumRawBytes) kept"
        } else {
            self.raw = raw
            malformed = reason
        }
        agentVersion = nil
        antivirus = nil
        senderID = nil
    }

    /// The computer an event is about: ECS `host.name`, else the observer (the firewall or console that saw it).
    static func host(of fields: [String: JSONValue]) -> String? {
        bounded(fields["host.name"]?.string ?? fields["host.hostname"]?.string ?? fields["observer.hostname"]?.string)
    }

    static func first(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): bounded(text)
        case .array(let items): bounded(items.first?.string)
        default: nil
        }
    }

    static let maximumRawBytes = 65_536
    static let pastToleranceMs: Int64 = 30 * 86_400_000
    static let futureToleranceMs: Int64 = 86_400_000

    /// At most 255 bytes, without control characters (PostgreSQL refuses NUL; screens should not show the rest).
    static func bounded(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        guard !clean.isEmpty else { return nil }
        return clean.utf8.count <= 255 ? clean : String(decoding: clean.utf8.prefix(255), as: UTF8.self)
    }

    /// Milliseconds since 1970 for a date within ±10,000 years; nil beyond (no conversion can trap).
    static func milliseconds(_ date: Date) -> Int64? {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite, value.magnitude < 3.2e14 else { return nil }
        return Int64(value)
    }
}
