import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// The live figures as NGSI-LD entities of FIWARE's `KeyPerformanceIndicator` model: one for the city and one per
/// unit a figure has (`urn:ngsi-ld:KeyPerformanceIndicator:field-reports.overdue:phuong-phu-xuan`), each `kpiValue`
/// a reading of the time series. So an alert rule watches "overdue reports in a ward above 10" exactly as it
/// watches a river gauge, and the temporal API answers a figure's history. A value is written when it changes
/// only; a unit that drops out of a figure is written as 0, so its alert can clear.
struct LiveFigureEntities: Sendable {
    static let type = "KeyPerformanceIndicator"
    static let attribute = "kpiValue"

    final class Written: Sendable {
        /// Each figure's last written value by unit ("" for the city).
        let values = Mutex<[String: [String: Double]]>([:])
    }

    let broker: NGSIBroker
    let written = Written()

    static func id(_ figure: String, unit: String?) -> String {
        "urn:ngsi-ld:\(type):\(figure)" + (unit.map { ":\($0)" } ?? "")
    }

    /// The entities whose value moved since the last write, with what they will then hold.
    func changes(_ values: [LiveFigureValue], at now: Date) -> (entities: [NGSIEntity], after: [String: [String: Double]]) {
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
            for (unit, value) in current.sorted(by: { $0.key < $1.key }) where before[unit] != value {
                entities.append(NGSIEntity(id: Self.id(figure.code, unit: unit.isEmpty ? nil : unit), type: Self.type, attributes: [
                    "name": .object(["type": .string("Property"), "value": .string(figure.name["vi"] ?? figure.code)]),
                    "category": .object(["type": .string("Property"), "value": .string(figure.code)]),
                    "area": .object(["type": .string("Property"), "value": .string(unit.isEmpty ? "city" : unit)]),
                    Self.attribute: .object(["type": .string("Property"), "value": .number(value), "observedAt": observed]),
                ]))
            }
            after[figure.code] = current
        }
        return (entities, after)
    }

    /// Writes them in the caller's transaction (the series' write), readings and all.
    func write(_ entities: [NGSIEntity], at now: Date, on sql: any SQLDatabase, logger: Logger) async throws {
        guard !entities.isEmpty else { return }
        _ = try await broker.apply(entities.map { EntityParser.Parsed(entity: $0, refused: []) }, operation: .replace, at: now, on: sql, logger: logger)
    }

    func remember(_ after: [String: [String: Double]]) { written.values.withLock { $0 = after } }
}
