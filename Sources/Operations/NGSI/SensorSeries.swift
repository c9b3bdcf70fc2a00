import Foundation
import Platform
import SQLKit
import Synchronization

/// The numbers that name each series (an entity's attribute) in the readings table, remembered once known so a
/// batch of readings for known sensors costs no lookups. Ids learned inside a transaction are remembered only after
/// it commits (`remember`), so a rolled-back write never leaves a number that names nothing.
public final class SensorSeries: Sendable {
    struct Key: Hashable, Sendable {
        let entityID: String
        let attribute: String
    }

    /// A reading's place in the readings table: one row per series and instant.
    struct Instant: Hashable {
        let entityID: String
        let attribute: String
        let milliseconds: Int64

        init(_ reading: SensorReading) {
            (entityID, attribute, milliseconds) = (reading.entityID, reading.attribute, reading.observedAtMilliseconds)
        }
    }

    private let known = Mutex<[Key: Int64]>([:])

    public init() {}

    /// The ids of the series `readings` belong to, creating the missing ones in this transaction.
    func ids(for readings: [SensorReading], types: [String: String], on sql: any SQLDatabase) async throws -> [Key: Int64] {
        // One pass under the lock: a batch's readings are mostly of known series, so this is the whole cost then.
        let looked = known.withLock { cache in
            var found: [Key: Int64] = [:], unknown = Set<Key>()
            found.reserveCapacity(readings.count)
            for reading in readings {
                let key = Key(entityID: reading.entityID, attribute: reading.attribute)
                if let id = cache[key] { found[key] = id } else { unknown.insert(key) }
            }
            return (found: found, unknown: unknown)
        }
        var found = looked.found
        guard !looked.unknown.isEmpty else { return found }
        let missing = looked.unknown.sorted { ($0.entityID, $0.attribute) < ($1.entityID, $1.attribute) }
        for part in stride(from: 0, to: missing.count, by: 300) {
            let slice = missing[part..<min(missing.count, part + 300)]
            let values = try slice.map { key -> SQLQueryString in
                // Every reading comes from an entity this write stored, so its type is known; no series is typeless.
                guard let type = types[key.entityID] else { throw Problem.internal() }
                return "(\(bind: key.entityID), \(bind: type), \(bind: key.attribute))"
            }
            try await sql.raw("INSERT INTO ngsi_series (entity_id, entity_type, attribute) VALUES \(values.joined(separator: ", ")) ON CONFLICT DO NOTHING").run()
            let entities = Array(Set(slice.map(\.entityID)))
            let rows = try await sql.raw("SELECT id, entity_id, attribute FROM ngsi_series WHERE entity_id IN (\(binds: entities))").all()
            for row in rows {
                let key = Key(entityID: try row.decode(column: "entity_id", as: String.self), attribute: try row.decode(column: "attribute", as: String.self))
                if looked.unknown.contains(key) { found[key] = try row.decode(column: "id", as: Int64.self) }
            }
        }
        return found
    }

    func remember(_ ids: [Key: Int64]) {
        known.withLock { cache in
            // A bound on memory: a city has thousands of sensors, not millions; past that, look them up again.
            if cache.count > 500_000 { cache.removeAll(keepingCapacity: true) }
            cache.merge(ids) { old, _ in old }
        }
    }

    /// Stores `readings` (a reading at an instant already stored is overwritten: a sensor resending is not two readings).
    func store(_ readings: [SensorReading], types: [String: String], on sql: any SQLDatabase) async throws -> [Key: Int64] {
        guard !readings.isEmpty else { return [:] }
        let ids = try await ids(for: readings, types: types, on: sql)
        for part in stride(from: 0, to: readings.count, by: 300) {
            let values = try readings[part..<min(readings.count, part + 300)].map { reading -> SQLQueryString in
                // Every series was just created or found; one missing means the table changed under the write.
                guard let id = ids[Key(entityID: reading.entityID, attribute: reading.attribute)] else { throw Problem.internal() }
                return "(\(bind: id), \(bind: reading.observedAtMilliseconds), \(bind: reading.value))"
            }
            try await sql.raw("""
                INSERT INTO ngsi_readings (series_id, observed_at_ms, value) VALUES \(values.joined(separator: ", ")) \
                ON CONFLICT (series_id, observed_at_ms) DO UPDATE SET value = excluded.value
                """).run()
        }
        return ids
    }
}
