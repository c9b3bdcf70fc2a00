import Logging
import SQLKit
import Synchronization

/// The sender's ids (ECS `event.id`) of events being written now, so that a batch sent again while its first copy
/// is still in flight (the shipper timed out and sent it again) is not read, matched and counted a second time.
final class SenderClaims: Sendable {
    private let claimed = Mutex<Set<[UInt8]>>([])

    /// Claims the keys not claimed yet; those already claimed come back.
    func claim(_ keys: [[UInt8]]) -> Set<[UInt8]> {
        claimed.withLock { claimed in Set(keys.filter { !claimed.insert($0).inserted }) }
    }

    func release(_ keys: [[UInt8]]) {
        claimed.withLock { claimed in for key in keys { claimed.remove(key) } }
    }
}

extension SecurityEventWriter {
    /// An event's key among its unit's: the host it is about and the sender's id, compared as bytes as the database
    /// compares them (one shipper's counter cannot hide another host's events of the same unit).
    static func senderKey(_ record: SecurityEventRecord) -> [UInt8]? {
        guard let id = record.senderID else { return nil }
        return Array("\(record.unit)\u{1F}\(record.host ?? "")\u{1F}\(id)".utf8)
    }

    /// The batch without the events its unit already sent for the same host under the same id, nor those another
    /// batch is writing now, nor the second of two in the batch: a shipper sending a batch again must not raise its
    /// alerts again or feed correlations twice, so these are left out before the rules see the batch. `claimed`: the
    /// keys this batch now holds, to `release` once written (or failed).
    func unseen(_ records: [SecurityEventRecord], logger: Logger) async throws
        -> (fresh: [SecurityEventRecord], duplicates: Int, claimed: [[UInt8]]) {
        var byUnit: [String: Set<String>] = [:]
        for record in records { if let id = record.senderID { byUnit[record.unit, default: []].insert(id) } }
        guard !byUnit.isEmpty else { return (records, 0, []) }
        var known = Set<[UInt8]>()
        let sql = try database.sql(logger: logger)
        for (unit, ids) in byUnit.sorted(by: { $0.key < $1.key }) {
            let sorted = ids.sorted()
            for start in stride(from: 0, to: sorted.count, by: 500) {
                let chunk = Array(sorted[start..<min(sorted.count, start + 500)])
                for row in try await sql.raw("""
                    SELECT host_name, sender_event_id FROM soc_events WHERE unit_code = \(bind: unit) AND sender_event_id IN (\(binds: chunk))
                    """).all() {
                    let host = try row.decode(column: "host_name", as: String?.self) ?? ""
                    known.insert(Array("\(unit)\u{1F}\(host)\u{1F}\(try row.decode(column: "sender_event_id", as: String.self))".utf8))
                }
            }
        }
        var fresh: [SecurityEventRecord] = []
        var wanted: [[UInt8]] = []
        for record in records {
            guard let key = Self.senderKey(record) else {
                fresh.append(record)
                continue
            }
            guard known.insert(key).inserted else { continue }
            fresh.append(record)
            wanted.append(key)
        }
        let taken = claims.claim(wanted)
        if !taken.isEmpty { fresh.removeAll { Self.senderKey($0).map(taken.contains) ?? false } }
        return (fresh, records.count - fresh.count, wanted.filter { !taken.contains($0) })
    }
}
