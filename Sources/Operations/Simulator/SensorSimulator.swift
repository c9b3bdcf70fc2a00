import Foundation
import Platform

/// The demo city's sensors: six air-quality stations, four gauges on the Perfume River and its branches, five
/// traffic counters, each reading what such a sensor reads at that hour in Huế (rush hours in the traffic and the
/// PM2.5, a warm afternoon, the river's slow swell), with deterministic noise so two runs agree. A flood, once
/// started, lifts the gauges past the city's alarm levels (BĐ1 1.0 m, BĐ2 2.0 m, BĐ3 3.5 m at Kim Long) over ten
/// minutes, holds them for half an hour and lets them down over twenty.
public struct SensorSimulator: Sendable {
    struct Station: Sendable {
        let type: String
        let slug: String
        let name: String
        let longitude: Double
        let latitude: Double
    }

    static let stations: [Station] = [
        Station(type: "AirQualityObserved", slug: "le-loi", name: "Trạm Lê Lợi", longitude: 107.5866, latitude: 16.4617),
        Station(type: "AirQualityObserved", slug: "dong-ba", name: "Trạm Đông Ba", longitude: 107.5882, latitude: 16.4735),
        Station(type: "AirQualityObserved", slug: "kim-long", name: "Trạm Kim Long", longitude: 107.5578, latitude: 16.4660),
        Station(type: "AirQualityObserved", slug: "thuy-xuan", name: "Trạm Thủy Xuân", longitude: 107.5745, latitude: 16.4345),
        Station(type: "AirQualityObserved", slug: "an-cuu", name: "Trạm An Cựu", longitude: 107.6075, latitude: 16.4520),
        Station(type: "AirQualityObserved", slug: "huong-so", name: "Trạm Hương Sơ", longitude: 107.5700, latitude: 16.4900),
        Station(type: "WaterLevelObserved", slug: "kim-long", name: "Trạm thủy văn Kim Long (sông Hương)", longitude: 107.5610, latitude: 16.4640),
        Station(type: "WaterLevelObserved", slug: "dap-da", name: "Đập Đá (sông Hương)", longitude: 107.5965, latitude: 16.4725),
        Station(type: "WaterLevelObserved", slug: "tuan", name: "Ngã ba Tuần (thượng nguồn)", longitude: 107.5580, latitude: 16.3850),
        Station(type: "WaterLevelObserved", slug: "phu-oc", name: "Phú Ốc (sông Bồ)", longitude: 107.4970, latitude: 16.5410),
        Station(type: "TrafficFlowObserved", slug: "le-loi", name: "Lê Lợi – cầu Trường Tiền", longitude: 107.5880, latitude: 16.4660),
        Station(type: "TrafficFlowObserved", slug: "hung-vuong", name: "Hùng Vương", longitude: 107.5990, latitude: 16.4640),
        Station(type: "TrafficFlowObserved", slug: "tran-hung-dao", name: "Trần Hưng Đạo", longitude: 107.5850, latitude: 16.4720),
        Station(type: "TrafficFlowObserved", slug: "nguyen-hue", name: "Nguyễn Huệ", longitude: 107.5790, latitude: 16.4560),
        Station(type: "TrafficFlowObserved", slug: "ba-trieu", name: "Bà Triệu", longitude: 107.6040, latitude: 16.4610),
    ]

    static let floodRise: TimeInterval = 600
    static let floodHold: TimeInterval = 1800
    static let floodFall: TimeInterval = 1200

    public init() {}

    /// Every sensor's document at `instant` (readings observed then), given when a flood started, if one did.
    public func readings(at instant: Date, floodStartedAt: Date?) -> [JSONValue] {
        let minute = Int(instant.timeIntervalSince1970 / 60)
        let hour = (instant.timeIntervalSince1970 / 3600 + 7).truncatingRemainder(dividingBy: 24)  // Huế is UTC+7
        let observed = JSONValue.string(NGSITime.format(Date(timeIntervalSince1970: Double(minute) * 60)))
        return Self.stations.enumerated().map { index, station in
            var random = SeededRandom(seed: UInt64(minute) &* 1_000_003 &+ UInt64(index))
            let noise = { (spread: Double) -> Double in (Double(random.next() % 2001) / 1000 - 1) * spread }
            var members: [String: JSONValue] = [
                "id": .string("urn:ngsi-ld:\(station.type):\(station.slug)"), "type": .string(station.type),
                "name": .object(["type": .string("Property"), "value": .string(station.name)]),
                "location": .object(["type": .string("GeoProperty"), "value": .object(["type": .string("Point"),
                                                                                         "coordinates": .array([.number(station.longitude), .number(station.latitude)])])]),
            ]
            func reading(_ name: String, _ value: Double, _ unit: String) {
                members[name] = .object(["type": .string("Property"), "value": .number((value * 10).rounded() / 10), "observedAt": observed, "unitCode": .string(unit)])
            }
            let rush = Self.bump(hour, at: 7.5, width: 1.2) + Self.bump(hour, at: 17.5, width: 1.5)
            switch station.type {
            case "AirQualityObserved":
                let pm25 = 18 + Double(index) * 2 + 22 * rush + noise(4)
                reading("pm25", max(3, pm25), "GQ")
                reading("pm10", max(5, pm25 * 1.7 + noise(5)), "GQ")
                reading("no2", max(2, 12 + 25 * rush + noise(3)), "GQ")
                reading("temperature", 24 + 5 * sin((hour - 9) / 24 * 2 * .pi) + noise(0.4), "CEL")
            case "WaterLevelObserved":
                let base = [0.62, 0.55, 0.9, 0.7][(index - 6) % 4] + 0.08 * sin(Double(minute) / 180) + noise(0.02)
                reading("waterLevel", base + Self.flood(at: instant, startedAt: floodStartedAt) * [3.6, 3.1, 4.0, 2.4][(index - 6) % 4], "MTR")
            default:
                reading("intensity", max(20, 140 + 900 * rush + 250 * Self.bump(hour, at: 12, width: 2) + noise(40)), "E50")
                reading("averageVehicleSpeed", max(8, 38 - 22 * rush + noise(3)), "KMH")
            }
            return .object(members)
        }
    }

    /// 0 before a flood and after it, rising to 1 over ten minutes, held for half an hour, then falling.
    static func flood(at instant: Date, startedAt: Date?) -> Double {
        guard let startedAt else { return 0 }
        let elapsed = instant.timeIntervalSince(startedAt)
        switch elapsed {
        case ..<0: return 0
        case ..<floodRise: return elapsed / floodRise
        case ..<(floodRise + floodHold): return 1
        case ..<(floodRise + floodHold + floodFall): return 1 - (elapsed - floodRise - floodHold) / floodFall
        default: return 0
        }
    }

    static func bump(_ hour: Double, at center: Double, width: Double) -> Double {
        exp(-pow(hour - center, 2) / (2 * width * width))
    }

    /// The rules the demo city runs: the river's alarm levels 2 and 3 at Kim Long, and PM2.5 past the national
    /// 24-hour limit (QCVN 05:2023, 50 µg/m³) for half an hour at any station.
    public static let demoRules: [AlertRule] = [
        AlertRule(code: "kim-long-bd3", name: ["vi": "Sông Hương tại Kim Long vượt báo động 3 (3,5 m)", "en": "Perfume River at Kim Long above alarm level 3 (3.5 m)"],
                  severity: .critical, entityType: "WaterLevelObserved", entityPrefix: "urn:ngsi-ld:WaterLevelObserved:kim-long", attribute: "waterLevel",
                  comparison: .atLeast, threshold: 3.5, sustainedMinutes: 5, unit: "phuong-kim-long"),
        AlertRule(code: "kim-long-bd2", name: ["vi": "Sông Hương tại Kim Long vượt báo động 2 (2,0 m)", "en": "Perfume River at Kim Long above alarm level 2 (2.0 m)"],
                  severity: .warning, entityType: "WaterLevelObserved", entityPrefix: "urn:ngsi-ld:WaterLevelObserved:kim-long", attribute: "waterLevel",
                  comparison: .atLeast, threshold: 2.0, sustainedMinutes: 0, unit: "phuong-kim-long"),
        AlertRule(code: "pm25-qcvn", name: ["vi": "Bụi PM2.5 vượt 50 µg/m³ trong 30 phút", "en": "PM2.5 above 50 µg/m³ for 30 minutes"],
                  severity: .warning, entityType: "AirQualityObserved", entityPrefix: nil, attribute: "pm25",
                  comparison: .above, threshold: 50, sustainedMinutes: 30, unit: nil),
    ]
}
