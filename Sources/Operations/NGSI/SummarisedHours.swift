import Foundation
import Logging
import Platform
import SQLKit

/// Readings for an hour the retention sweep has already summarised (`SensorRetention`) are refused. The sweep keeps
/// only the hour's count, sum and extremes, so a reading sent again (an archive uploaded twice, a gateway replaying
/// its buffer) cannot be told from a new one, and stored again it would be counted twice when the next sweep adds it
/// to the same hour. Refused with its reason, like a reading dated in the future: a batch stores the rest and lists
/// it, a request about one entity stores nothing. An hour not yet summarised (a first upload of an old archive)
/// still takes readings.
enum SummarisedHours {
    /// `HUES_SENSOR_RAW_DAYS` is at least one day, and the sweep summarises only whole hours older than that: a
    /// younger reading's hour never is, so live readings cost no query at all (an hour's margin for another
    /// instance whose clock runs ahead). Older ones cost one, for the sweep's mark (`MarkSummarisedHours`).
    static let youngest: Int64 = 23 * 3_600_000

    struct Place: Hashable {
        let entityID: String
        let attribute: String
        let hour: Int64
    }

    /// Of the old readings a write would record, in summarised hours: the new ones, refused, and the ones the entity
    /// already holds as they are (a change of the attribute's unit, an entity written back as it was read), which
    /// are no new observation, so are neither refused nor recorded again.
    struct Check {
        var refused = Set<SensorSeries.Instant>()
        var unchanged = Set<SensorSeries.Instant>()
    }

    /// The readings whose hour may be summarised: behind the sweep's mark (none before its first round).
    static func candidates(_ readings: [SensorReading], at now: Date, on sql: any SQLDatabase) async throws -> [SensorReading] {
        let limit = Int64((now.timeIntervalSince1970 * 1000).rounded()) - youngest
        let old = readings.filter { $0.observedAtMilliseconds < limit }
        guard !old.isEmpty, let mark = try await MarkSummarisedHours.mark(on: sql) else { return [] }
        return old.filter { $0.observedAtMilliseconds < mark }
    }

    /// `stored`: the entities as they were before the write; nil to read the ones concerned.
    static func check(_ candidates: [SensorReading], stored: [String: NGSIEntity]?, on sql: any SQLDatabase, logger: Logger) async throws -> Check {
        var check = Check()
        guard !candidates.isEmpty else { return check }
        let summarised = try await find(candidates, on: sql)
        let concerned = candidates.filter { summarised.contains(place(of: $0)) }
        guard !concerned.isEmpty else { return check }
        var before = stored ?? [:]
        if stored == nil { before = try await Self.stored(Array(Set(concerned.map(\.entityID))).sorted(), on: sql, logger: logger) }
        for reading in concerned {
            if holds(before[reading.entityID], reading) {
                check.unchanged.insert(SensorSeries.Instant(reading))
            } else {
                check.refused.insert(SensorSeries.Instant(reading))
            }
        }
        return check
    }

    /// The stored entities among `ids`; one whose document no longer reads is logged and counts as holding nothing.
    static func stored(_ ids: [String], on sql: any SQLDatabase, logger: Logger) async throws -> [String: NGSIEntity] {
        var found: [String: NGSIEntity] = [:]
        for part in stride(from: 0, to: ids.count, by: 500) {
            let slice = Array(ids[part..<min(ids.count, part + 500)])
            for entity in try EntityRows.decode(try await sql.raw(EntityRows.select(sql) + " WHERE id IN (\(binds: slice))").all(), logger: logger) {
                found[entity.id] = entity
            }
        }
        return found
    }

    /// Takes the refused readings out of the parsed entities, listed with why as the parser lists a reading it
    /// refuses. Returns the indexes of the entities changed.
    static func refuse(_ refused: Set<SensorSeries.Instant>, in parsed: inout [EntityParser.Parsed], at now: Date) -> Set<Int> {
        var changed = Set<Int>()
        for (index, item) in parsed.enumerated() {
            for reading in item.entity.readings(at: now) where refused.contains(SensorSeries.Instant(reading)) {
                parsed[index].entity.attributes[reading.attribute] = nil
                parsed[index].refused.append((reading.attribute, error(for: SensorSeries.Instant(reading))))
                changed.insert(index)
            }
        }
        return changed
    }

    /// The first refused reading, as the error a single request answers with.
    static func refusal(_ refused: Set<SensorSeries.Instant>) -> NGSIError? {
        guard let first = refused.min(by: { ($0.attribute, $0.milliseconds) < ($1.attribute, $1.milliseconds) }) else { return nil }
        let error = error(for: first)
        return NGSIError(error.kind, "\(error.detail) (attribute \(first.attribute))")
    }

    /// Which of the readings' hours have hourly figures (only the sweep writes them), matched exactly: a gateway's
    /// batch of many stations and hours reads no more rows than it has readings.
    static func find(_ readings: [SensorReading], on sql: any SQLDatabase) async throws -> Set<Place> {
        let wanted = Set(readings.map(place(of:))).sorted { ($0.entityID, $0.attribute, $0.hour) < ($1.entityID, $1.attribute, $1.hour) }
        var found = Set<Place>()
        for part in stride(from: 0, to: wanted.count, by: 200) {
            let rows: [SQLQueryString] = wanted[part..<min(wanted.count, part + 200)].map {
                "(\(bind: $0.entityID), \(bind: $0.attribute), CAST(\(bind: $0.hour) AS BIGINT))"
            }
            let answer = try await sql.raw("""
                WITH wanted (entity_id, attribute, hour_ms) AS (VALUES \(rows.joined(separator: ", "))) \
                SELECT w.entity_id, w.attribute, w.hour_ms FROM wanted w \
                JOIN ngsi_series s ON s.entity_id = w.entity_id AND s.attribute = w.attribute \
                JOIN ngsi_readings_hourly h ON h.series_id = s.id AND h.hour_ms = w.hour_ms
                """).all()
            for row in answer {
                found.insert(Place(entityID: try row.decode(column: "entity_id", as: String.self), attribute: try row.decode(column: "attribute", as: String.self),
                                   hour: try row.decode(column: "hour_ms", as: Int64.self)))
            }
        }
        return found
    }

    /// The hour as the sweep computes it (`observed_at_ms / hour * hour`; times are after 2000, never negative).
    static func place(of reading: SensorReading) -> Place {
        let time = reading.observedAtMilliseconds
        return Place(entityID: reading.entityID, attribute: reading.attribute, hour: time / SensorRetention.hour * SensorRetention.hour)
    }

    /// Whether the stored entity holds this very reading: the same number observed at the same instant.
    static func holds(_ entity: NGSIEntity?, _ reading: SensorReading) -> Bool {
        guard let members = entity?.attributes[reading.attribute]?.object, members["value"]?.number == reading.value,
              let observed = members["observedAt"]?.string.flatMap(NGSITime.parse) else { return false }
        return Int64((observed.timeIntervalSince1970 * 1000).rounded()) == reading.observedAtMilliseconds
    }

    static func error(for reading: SensorSeries.Instant) -> NGSIError {
        let instant = NGSITime.format(Date(timeIntervalSince1970: Double(reading.milliseconds) / 1000))
        return NGSIError(.badRequestData, "\(EntityParser.readingMark)'\(reading.attribute)' was observed at \(instant), in an hour already kept only "
                         + "as hourly figures (readings older than HUES_SENSOR_RAW_DAYS are summarised); a reading stored for it now would be counted twice.")
    }
}
