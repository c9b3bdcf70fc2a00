import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// The sensor panels of the operations centre's screens: each station's main reading (a river's water level, the
/// air's PM2.5, a road's traffic) with its latest value and its last day hour by hour.
struct SensorPanels: Sendable {
    struct Panel: Sendable {
        let entity: String
        let name: String
        let type: String
        let attribute: String
        let latest: Double?
        let observedAt: Date?
        let hourly: [Double?]
    }

    /// What a panel shows of each kind of sensor, in the order the screens show them.
    static let shown: [(type: String, attribute: String, unit: String)] = [
        ("WaterLevelObserved", "waterLevel", "m"), ("AirQualityObserved", "pm25", "µg/m³"), ("TrafficFlowObserved", "intensity", "xe/h"),
    ]
    static let maximumPanels = 24

    let database: PlatformDatabase
    let broker: NGSIBroker

    func read(at now: Date, logger: Logger) async throws -> [Panel] {
        let sql = try database.sql(logger: logger)
        var panels: [Panel] = []
        for kind in Self.shown {
            // Stations that still exist: a deleted entity keeps its history (the temporal API answers it), not a panel.
            let series = try await sql.raw("""
                SELECT s.id, s.entity_id FROM ngsi_series s JOIN ngsi_entities e ON e.id = s.entity_id \
                WHERE s.entity_type = \(bind: kind.type) AND s.attribute = \(bind: kind.attribute) \
                ORDER BY s.entity_id LIMIT \(literal: Self.maximumPanels)
                """).all()
            for row in series where panels.count < Self.maximumPanels {
                let id = try row.decode(column: "id", as: Int64.self)
                let entity = try row.decode(column: "entity_id", as: String.self)
                panels.append(try await panel(series: id, entity: entity, kind: kind, at: now, on: sql, logger: logger))
            }
        }
        return panels
    }

    private func panel(series: Int64, entity: String, kind: (type: String, attribute: String, unit: String), at now: Date,
                       on sql: any SQLDatabase, logger: Logger) async throws -> Panel {
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        let firstHour = nowMs / 3_600_000 - 23
        let latest = try await sql.raw("""
            SELECT value, observed_at_ms FROM ngsi_readings WHERE series_id = \(bind: series) AND observed_at_ms <= \(bind: nowMs) \
            ORDER BY observed_at_ms DESC LIMIT 1
            """).first()
        var hourly = [Double?](repeating: nil, count: 24)
        for row in try await sql.raw("""
            SELECT observed_at_ms / 3600000 AS hour, AVG(value) AS value FROM ngsi_readings WHERE series_id = \(bind: series) \
            AND observed_at_ms >= \(bind: firstHour * 3_600_000) AND observed_at_ms <= \(bind: nowMs) GROUP BY observed_at_ms / 3600000
            """).all() {
            let slot = try row.decode(column: "hour", as: Int64.self) - firstHour
            if (0..<24).contains(slot) { hourly[Int(slot)] = try row.decode(column: "value", as: Double.self) }
        }
        let name = try await broker.entity(entity, logger: logger)?.attributes["name"]?.object?["value"]?.string
        return Panel(entity: entity, name: name ?? String(entity.split(separator: ":").last ?? Substring(entity)), type: kind.type, attribute: kind.attribute,
                     latest: try latest?.decode(column: "value", as: Double.self),
                     observedAt: try latest.map { Date(timeIntervalSince1970: Double(try $0.decode(column: "observed_at_ms", as: Int64.self)) / 1000) },
                     hourly: hourly)
    }
}
