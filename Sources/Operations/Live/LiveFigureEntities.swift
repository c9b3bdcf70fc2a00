import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// The live figures as NGSI-LD entities of FIWARE's `KeyPerformanceIndicator` model: one for the city and one per
/// unit a figure has (`urn:ngsi-ld:KeyPerformanceIndicator:field-reports.overdue:phuong-phu-xuan`), each `kpiValue`
/// a reading of the time series. So an alert rule watches "overdue reports in a ward above 10" exactly as it
/// watches a river gauge, and the temporal API answers a figure's history. A value is written when it changes, and
/// again once a day (raw readings age out after `HUES_SENSOR_RAW_DAYS`; a rule must still find the value standing);
/// a unit that drops out of a count is written as 0, so its alert can clear.
struct LiveFigureEntities: Sendable {
    static let type = "KeyPerformanceIndicator"
    static let attribute = "kpiValue"

    struct Held: Sendable, Equatable {
        let value: Double
        let at: Date
    }

    final class Written: Sendable {
        /// Each figure's last written value by unit ("" for the city), and when.
        let values = Mutex<[String: [String: Held]]>([:])
    }

    static let rewriteAfter: TimeInterval = 86_400

    let broker: NGSIBroker
    let written = Written()

    static func id(_ figure: String, unit: String?) -> String {
        "urn:ngsi-ld:\(type):\(figure)" + (unit.map { ":\($0)" } ?? "")
    }

    /// The entities whose value moved since the last write, with what they will then hold.
    func changes(_ values: [LiveFigureValue], at now: Date) -> (entities: [NGSIEntity], after: [String: [String: Held]]) {
        var after = written.values.withLock { $0 }
        var entities: [NGSIEntity] = []
        let observed = JSONValue.string(NGSITime.format(now))
        for figure in values {
            var current: [String: Double] = [:]
            if let value = figure.value { current[""] = value }
            for slice in figure.byUnit where !slice.key.isEmpty { if let value = slice.value { current[slice.key] = value } }
            let before = after[figure.code] ?? [:]
            // Units that were there and are not any more are back to nothing.
            for unit in before.keys where current[unit] == nil && !(LiveFigureValues.isShareKind(figure.kind)) { current[unit] = 0 }
            var held = before
            for (unit, value) in current.sorted(by: { $0.key < $1.key }) {
                if let last = before[unit], last.value == value, now.timeIntervalSince(last.at) < Self.rewriteAfter, now >= last.at { continue }
                held[unit] = Held(value: value, at: now)
                entities.append(NGSIEntity(id: Self.id(figure.code, unit: unit.isEmpty ? nil : unit), type: Self.type, attributes: [
                    "name": .object(["type": .string("Property"), "value": .string(figure.name["vi"] ?? figure.code)]),
                    "category": .object(["type": .string("Property"), "value": .string(figure.code)]),
                    "area": .object(["type": .string("Property"), "value": .string(unit.isEmpty ? "city" : unit)]),
                    Self.attribute: .object(["type": .string("Property"), "value": .number(value), "observedAt": observed]),
                ]))
            }
            after[figure.code] = held.filter { current[$0.key] != nil }
        }
        return (entities, after)
    }

    /// Writes them in the caller's transaction (the series' write), readings and all.
    func write(_ entities: [NGSIEntity], at now: Date, on sql: any SQLDatabase, logger: Logger) async throws {
        guard !entities.isEmpty else { return }
        _ = try await broker.apply(entities.map { EntityParser.Parsed(entity: $0, refused: []) }, operation: .replace, at: now, on: sql, logger: logger)
    }

    func remember(_ after: [String: [String: Held]]) { written.values.withLock { $0 = after } }

    /// Forgets what was written (another instance may have written since): the next round writes every value.
    func forget() { written.values.withLock { $0 = [:] } }
}
