import Foundation
import Synchronization

/// A station's document: four readings (PM2.5, PM10, NO2, temperature) observed at `minute` past 2026-12-01.
func stationJSON(_ index: Int, minute: Int, seed: Int) -> String {
    let observed = NGSIClock.instant(minute: minute)
    let pm25 = Double((index * 37 + seed * 11) % 2000) / 10
    return #"{"id":"urn:ngsi-ld:AirQualityObserved:s\#(index)","type":"AirQualityObserved","#
        + #""pm25":{"type":"Property","value":\#(pm25),"observedAt":"\#(observed)"},"#
        + #""pm10":{"type":"Property","value":\#(pm25 * 1.6),"observedAt":"\#(observed)"},"#
        + #""no2":{"type":"Property","value":\#((index + seed) % 90),"observedAt":"\#(observed)"},"#
        + #""temperature":{"type":"Property","value":\#(20 + (index + seed) % 15),"observedAt":"\#(observed)"},"#
        + #""ward":{"type":"Property","value":"w\#(index % 57)"}}"#
}

func batchJSON(_ range: Range<Int>, minute: Int, seed: Int) -> String {
    "[" + range.map { stationJSON($0, minute: minute, seed: seed) }.joined(separator: ",") + "]"
}

enum NGSIClock {
    /// Midnight UTC ten days ago: every reading of the run lies in the past, as the broker requires.
    static let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 - 10 * 86_400)

    static func instant(minute: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: start.addingTimeInterval(Double(minute) * 60))
    }
}

final class Ticket: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { current in defer { current += 1 }; return current } }
}

/// Runs `work` from `callers` concurrent callers for `seconds`; returns each call's latency in ms.
func measure(callers: Int, seconds: Double, _ work: @escaping @Sendable (Int) async throws -> Void) async throws -> [Double] {
    let deadline = Date().addingTimeInterval(seconds)
    let tickets = Ticket()
    return try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<callers {
            group.addTask {
                var samples: [Double] = []
                while Date() < deadline {
                    let ticket = tickets.next()
                    let started = ContinuousClock.now
                    try await work(ticket)
                    let elapsed = started.duration(to: .now).components
                    samples.append(Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15)
                }
                return samples
            }
        }
        var all: [Double] = []
        for try await samples in group { all += samples }
        return all
    }
}
