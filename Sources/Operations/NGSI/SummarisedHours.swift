import Foundation
import Platform
import SQLKit

/// Readings for an hour the retention sweep has already summarised (`SensorRetention`) are refused. The sweep keeps
/// only the hour's count, sum and extremes, so a reading sent again (an archive uploaded twice, a gateway replaying
/// its buffer) cannot be told from a new one, and stored again it would be counted twice when the next sweep adds it
/// to the same hour. Refused with its reason, like a reading dated in the future, the client hears of it and the
/// rest of its write is stored. An hour not yet summarised (a first upload of an old archive) still takes readings.
enum SummarisedHours {
    /// `HUES_SENSOR_RAW_DAYS` is at least one day, and the sweep summarises only whole hours older than that: a
    /// younger reading's hour never is, so live readings cost no lookup.
    static let youngest: Int64 = 86_400_000

    struct Place: Hashable {
        let entityID: String
        let attribute: String
        let hour: Int64
    }

    /// Refuses, in each parsed entity, the readings whose hour is summarised: the attribute leaves the entity and is
    /// listed with why, as the parser lists a reading it refuses. Returns the indexes of the entities changed.
    static func refuse(in parsed: inout [EntityParser.Parsed], at now: Date, on sql: any SQLDatabase) async throws -> Set<Int> {
        var candidates: [(index: Int, reading: SensorReading)] = []
        let limit = milliseconds(now) - youngest
        for (index, item) in parsed.enumerated() {
            for reading in item.entity.readings(at: now) where reading.observedAtMilliseconds < limit {
                candidates.append((index, reading))
            }
        }
        guard !candidates.isEmpty else { return [] }
        let summarised = try await find(candidates.map(\.reading), on: sql)
        var changed = Set<Int>()
        for (index, reading) in candidates where summarised.contains(place(of: reading)) {
            parsed[index].entity.attributes[reading.attribute] = nil
            parsed[index].refused.append((reading.attribute, error(for: reading)))
            changed.insert(index)
        }
        return changed
    }

    /// The first of `readings` whose hour is summarised, as the error a write of them answers with.
    static func refusal(among readings: [SensorReading], at now: Date, on sql: any SQLDatabase) async throws -> NGSIError? {
        let limit = milliseconds(now) - youngest
        let old = readings.filter { $0.observedAtMilliseconds < limit }
        guard !old.isEmpty else { return nil }
        let summarised = try await find(old, on: sql)
        guard let reading = old.sorted(by: { ($0.attribute, $0.observedAtMilliseconds) < ($1.attribute, $1.observedAtMilliseconds) })
            .first(where: { summarised.contains(place(of: $0)) }) else { return nil }
        let refused = error(for: reading)
        return NGSIError(refused.kind, "\(refused.detail) (attribute \(reading.attribute))")
    }

    /// Which of the readings' hours have hourly figures (only the sweep writes them).
    static func find(_ readings: [SensorReading], on sql: any SQLDatabase) async throws -> Set<Place> {
        let wanted = Set(readings.map(place(of:)))
        var found = Set<Place>()
        let ordered = wanted.sorted { ($0.entityID, $0.attribute, $0.hour) < ($1.entityID, $1.attribute, $1.hour) }
        for part in stride(from: 0, to: ordered.count, by: 200) {
            let slice = ordered[part..<min(ordered.count, part + 200)]
            let entities = Array(Set(slice.map(\.entityID))).sorted()
            let hours = Array(Set(slice.map(\.hour))).sorted()
            let rows = try await sql.raw("""
                SELECT s.entity_id, s.attribute, h.hour_ms FROM ngsi_series s JOIN ngsi_readings_hourly h ON h.series_id = s.id \
                WHERE s.entity_id IN (\(binds: entities)) AND h.hour_ms IN (\(binds: hours))
                """).all()
            for row in rows {
                let place = Place(entityID: try row.decode(column: "entity_id", as: String.self), attribute: try row.decode(column: "attribute", as: String.self),
                                  hour: try row.decode(column: "hour_ms", as: Int64.self))
                if wanted.contains(place) { found.insert(place) }
            }
        }
        return found
    }

    static func place(of reading: SensorReading) -> Place {
        let time = reading.observedAtMilliseconds
        // Floor, not truncation: the sweep's hours start on the hour (times are after 2000, so never negative).
        return Place(entityID: reading.entityID, attribute: reading.attribute, hour: time - time % SensorRetention.hour)
    }

    static func error(for reading: SensorReading) -> NGSIError {
        NGSIError(.badRequestData, "\(EntityParser.readingMark)'\(reading.attribute)' was observed at \(NGSITime.format(reading.observedAt)), "
                  + "in an hour already kept only as hourly figures (readings older than HUES_SENSOR_RAW_DAYS are summarised); "
                  + "a reading sent again for it would be counted twice.")
    }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
}
