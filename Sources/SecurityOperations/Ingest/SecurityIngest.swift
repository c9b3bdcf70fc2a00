import Foundation
import Logging
import Metrics
import Platform

/// The one way in for events, whatever carried them: each is normalised, given its unit, matched against the rules
/// and stored with the alerts it raised in one transaction, so an acknowledged batch is all there. What does not
/// read is stored as malformed with its bytes, and the good events beside it go on.
public struct SecurityIngest: Sendable {
    public struct Receipt: Codable, Sendable, Equatable {
        public struct Refusal: Codable, Sendable, Equatable {
            public let line: Int
            public let reason: String
        }

        public let accepted: Int
        public let malformed: Int
        public let alerts: Int
        /// Events left out because the unit had sent them before under the same `event.id` (a batch sent again).
        public let duplicates: Int
        /// The first refusals, by line, for the sender to fix.
        public let refusals: [Refusal]
    }

    /// Lines in one NDJSON post; a shipper sends more in more posts.
    public static let maximumLines = 5_000
    /// A post's body: read only once the gate has let the batch in, so shed load costs no memory.
    public static let maximumBodyBytes = 4 * 1024 * 1024

    let writer: SecurityEventWriter
    let detection: SecurityDetection
    let gate: IngestGate
    let clock: @Sendable () -> Date
    private let accepted = Counter(label: "hues_soc_events_total", dimensions: [("outcome", "accepted")])
    private let malformed = Counter(label: "hues_soc_events_total", dimensions: [("outcome", "malformed")])
    private let duplicates = Counter(label: "hues_soc_events_total", dimensions: [("outcome", "duplicate")])

    /// `capabilities`: where the staff directory and notice board are, to tell a unit's leaders of a new incident.
    public init(database: PlatformDatabase, detection: SecurityDetection, gate: IngestGate, capabilities: Capabilities? = nil,
                clock: @escaping @Sendable () -> Date) {
        writer = SecurityEventWriter(database: database, contacts: IncidentContacts(capabilities: capabilities))
        self.detection = detection
        self.gate = gate
        self.clock = clock
    }

    /// Whether a batch may come in now; false: shed (the caller answers 503, the sender retries). Each admitted
    /// batch is followed by exactly one `release()`.
    public func admit() async -> Bool { await gate.enter(events: 0) }
    public func release() async { await gate.leave() }

    /// An NDJSON body of ECS events from `unit`'s key, admitted by `admit()`.
    public func ingestNDJSON(admitted body: [UInt8], unit: String, logger: Logger) async throws -> Receipt {
        // Counted before splitting: a body of line feeds alone must not become millions of slices.
        let breaks = body.reduce(into: 0) { if $1 == UInt8(ascii: "\n") { $0 += 1 } }
        guard breaks - (body.last == UInt8(ascii: "\n") ? 1 : 0) < Self.maximumLines else {
            throw Problem.validation([.init(field: "body", message: "at most \(Self.maximumLines) lines a post")])
        }
        var lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return try await read(lines, unit: unit, logger: logger)
    }

    private func read(_ lines: [ArraySlice<UInt8>], unit: String, logger: Logger) async throws -> Receipt {
        let receivedAt = clock()
        var records: [SecurityEventRecord] = []
        var refusals: [Receipt.Refusal] = []
        for (number, slice) in lines.enumerated() {
            var line = Array(slice)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            let id = UUID().uuidString.lowercased()
            do {
                var fields = try ECSLine.parse(line)
                // Names that differ only in case are one field to the rules: which one they read must not be the
                // sender's choice (an organization.id beside ORGANIZATION.ID).
                guard Set(fields.keys.map(SigmaText.foldedString)).count == fields.count else {
                    throw ECSLine.Failure(reason: "two fields whose names differ only in case", offset: 0)
                }
                fields["organization.id"] = .string(unit)
                let event = SecurityEventNormaliser.event(fromECS: fields, raw: line, receivedAt: receivedAt)
                records.append(SecurityEventRecord(id: id, event: event, unit: unit))
            } catch {
                let reason = (error as? ECSLine.Failure)?.description ?? "\(error)"
                records.append(SecurityEventRecord(malformedID: id, unit: unit, source: "ecs", raw: line,
                                                   reason: reason, receivedAt: receivedAt))
                logger.debug("a malformed security event was kept", metadata: ["unit": "\(unit)", "line": "\(number + 1)"])
                if refusals.count < 20 { refusals.append(.init(line: number + 1, reason: reason)) }
            }
        }
        return try await store(records, refusals: refusals, logger: logger)
    }

    /// Events already read (syslog, CEF, the platform's own), each with its unit.
    public func ingest(_ events: [(SecurityEvent, unit: String)], logger: Logger) async throws -> Receipt? {
        try await ingest(items: events.map { Item.event($0.0, unit: $0.unit) }, logger: logger)
    }

    /// What a listener read: an event, or bytes that did not read (kept as malformed).
    public enum Item: Sendable {
        case event(SecurityEvent, unit: String)
        case malformed(raw: [UInt8], reason: String, source: String, unit: String, receivedAt: Date)
    }

    /// Events already read, and what did not read, each with its unit; nil when the gate is full.
    public func ingest(items: [Item], logger: Logger) async throws -> Receipt? {
        guard await gate.enter(events: items.count, lane: .intake) else { return nil }
        let records = items.map { item in
            switch item {
            case .event(var event, let unit):
                event.fields["organization.id"] = .string(unit)
                return SecurityEventRecord(id: UUID().uuidString.lowercased(), event: event, unit: unit)
            case .malformed(let raw, let reason, let source, let unit, let receivedAt):
                return SecurityEventRecord(malformedID: UUID().uuidString.lowercased(), unit: unit, source: source, raw: raw,
                                           reason: reason, receivedAt: receivedAt)
            }
        }
        do {
            let receipt = try await store(records, refusals: [], logger: logger)
            await gate.leave()
            return receipt
        } catch {
            await gate.leave()
            throw error
        }
    }

    private func store(_ records: [SecurityEventRecord], refusals: [Receipt.Refusal], logger: Logger) async throws -> Receipt {
        let (fresh, resent, claimed) = try await writer.unseen(records, logger: logger)
        defer { writer.claims.release(claimed) }
        let alerts = fresh.flatMap(detection.alerts(for:))
        let stored = try await writer.write(fresh, alerts: alerts, logger: logger)
        // Malformed records carry no sender's id, so every one of them is stored.
        let bad = fresh.count(where: { $0.malformed != nil })
        let duplicates = resent + fresh.count - stored.events
        accepted.increment(by: Int64(stored.events - bad))
        malformed.increment(by: Int64(bad))
        if duplicates > 0 { self.duplicates.increment(by: Int64(duplicates)) }
        return Receipt(accepted: stored.events - bad, malformed: bad, alerts: stored.alerts, duplicates: duplicates, refusals: refusals)
    }
}
