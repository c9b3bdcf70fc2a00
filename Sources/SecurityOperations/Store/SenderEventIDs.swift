import Logging
import SQLKit

extension SecurityEventWriter {
    /// The batch without the events its unit already sent under the same id (ECS `event.id`), nor the second of
    /// two in the batch: a shipper sending a batch again must not raise its alerts again or feed correlations twice,
    /// so these are left out before the rules see the batch. (Two batches at once with the same id: the write keeps
    /// the first stored, `write` skips the other's row and alerts.)
    func unseen(_ records: [SecurityEventRecord], logger: Logger) async throws -> (fresh: [SecurityEventRecord], duplicates: Int) {
        var byUnit: [String: Set<String>] = [:]
        for record in records { if let id = record.senderID { byUnit[record.unit, default: []].insert(id) } }
        guard !byUnit.isEmpty else { return (records, 0) }
        var known = Set<String>()
        let sql = try database.sql(logger: logger)
        for (unit, ids) in byUnit.sorted(by: { $0.key < $1.key }) {
            let sorted = ids.sorted()
            for start in stride(from: 0, to: sorted.count, by: 500) {
                let chunk = Array(sorted[start..<min(sorted.count, start + 500)])
                for row in try await sql.raw("""
                    SELECT sender_event_id FROM soc_events WHERE unit_code = \(bind: unit) AND sender_event_id IN (\(binds: chunk))
                    """).all() {
                    known.insert(unit + "\u{1F}" + (try row.decode(column: "sender_event_id", as: String.self)))
                }
            }
        }
        var fresh: [SecurityEventRecord] = []
        var duplicates = 0
        for record in records {
            guard let id = record.senderID else {
                fresh.append(record)
                continue
            }
            guard known.insert(record.unit + "\u{1F}" + id).inserted else {
                duplicates += 1
                continue
            }
            fresh.append(record)
        }
        return (fresh, duplicates)
    }
}
