import Foundation
import Testing

@testable import Operations
@testable import Platform

/// The demo's sensors read like Huế's: every document is one the broker keeps whole, the numbers sit in sensible
/// ranges with rush hours where they belong, and a flood takes Kim Long past alarm level 3 and back.
struct SensorSimulatorTests {
    let simulator = SensorSimulator()
    static let midnight = NGSITime.parse("2026-12-01T17:00:00Z")!  // 00:00 in Huế

    func value(_ documents: [JSONValue], _ id: String, _ attribute: String) -> Double? {
        documents.first { $0.object?["id"]?.string == id }?.object?[attribute]?.object?["value"]?.number
    }

    @Test func everyReadingIsKeptWholeAndPlausible() throws {
        for hour in 0..<24 {
            let instant = Self.midnight.addingTimeInterval(Double(hour) * 3600)
            let documents = simulator.readings(at: instant, floodStartedAt: nil)
            #expect(documents.count == 15)
            for document in documents {
                let parsed = try EntityParser(now: instant.addingTimeInterval(60)).entity(document)
                #expect(parsed.refused.isEmpty, "\(parsed.entity.id): \(parsed.refused.map(\.error))")
            }
            for station in ["le-loi", "dong-ba", "kim-long"] {
                let pm25 = try #require(value(documents, "urn:ngsi-ld:AirQualityObserved:\(station)", "pm25"))
                #expect((3...90).contains(pm25), "PM2.5 \(pm25) at \(hour)h")
            }
            let level = try #require(value(documents, "urn:ngsi-ld:WaterLevelObserved:kim-long", "waterLevel"))
            #expect((0.5...1.2).contains(level), "Kim Long \(level) m at \(hour)h without a flood")
        }
        let at = { (hour: Double) in Self.midnight.addingTimeInterval(hour * 3600) }
        let traffic = { (hour: Double) in value(simulator.readings(at: at(hour), floodStartedAt: nil), "urn:ngsi-ld:TrafficFlowObserved:le-loi", "intensity") ?? 0 }
        #expect(traffic(7.5) > 3 * traffic(3))
        #expect(traffic(17.5) > traffic(14))
    }

    @Test func aFloodLiftsKimLongPastAlarmThreeAndLetsItDown() {
        let start = Self.midnight
        let level = { (minutes: Double) in
            value(simulator.readings(at: start.addingTimeInterval(minutes * 60), floodStartedAt: start), "urn:ngsi-ld:WaterLevelObserved:kim-long", "waterLevel") ?? 0
        }
        #expect(level(0) < 1.2)
        #expect(level(5) > 2.0 && level(5) < 3.5)
        #expect(level(10) >= 3.5 && level(25) >= 3.5 && level(39) >= 3.5)
        #expect(level(55) < 3.5 && level(61) < 1.2)
        let rule = SensorSimulator.demoRules[0]
        let readings = stride(from: 0.0, through: 20, by: 1).map { (at: Int64($0 * 60_000), value: level($0)) }
        #expect(rule.holds(over: readings))
        #expect(!rule.holds(over: Array(readings.prefix(12))))
        #expect(SensorSimulator.demoRules.allSatisfy { $0.problems(units: ["phuong-kim-long"]).isEmpty })
    }
}
