import Foundation
import Logging
import Metrics
import Platform
import SQLKit

/// Keeps stored events for `days` (by when they happened): a month of Hue's 2 million events is about 3 GB with their
/// raw bytes. Incidents, their alerts (which keep the event's id) and the inventory stay; what goes is counted.
struct SecurityEventRetention: Sendable {
    /// Rows removed per transaction, so a first sweep over a year of events never holds the writer for long.
    static let chunk = 5_000
    /// Chunks per sweep; the rest waits for the next hour.
    static let chunksPerSweep = 200

    let database: PlatformDatabase
    let days: Int
    let clock: @Sendable () -> Date
    private let removed = Counter(label: "hues_soc_events_expired_total")

    init(database: PlatformDatabase, days: Int, clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.days = days
        self.clock = clock
    }

    /// Removes events older than the retention; returns how many.
    @discardableResult
    func sweep(logger: Logger) async throws -> Int {
        let before = Int64((clock().timeIntervalSince1970 - Double(days) * 86_400) * 1000)
        var total = 0
        for _ in 0..<Self.chunksPerSweep {
            let gone = try await database.write(logger: logger) { db -> Int in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                return try await sql.raw("""
                    DELETE FROM soc_events WHERE id IN (SELECT id FROM soc_events WHERE occurred_at_ms < \(bind: before) \
                    LIMIT \(bind: Self.chunk)) RETURNING id
                    """).all().count
            }
            total += gone
            if gone < Self.chunk { break }
        }
        if total > 0 {
            removed.increment(by: Int64(total))
            logger.info("security events past their retention removed", metadata: ["count": "\(total)", "days": "\(days)"])
        }
        return total
    }
}
