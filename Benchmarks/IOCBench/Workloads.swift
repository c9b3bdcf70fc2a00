import Foundation
import Synchronization

/// A station's document: four readings (PM2.5, PM10, NO2, temperature) observed at `minute` past 2026-12-01.
func stationJSON(_ index: Int, minute: Int, seed: Int, observed: String? = nil) -> String {
    let observed = observed ?? NGSIClock.instant(minute: minute)
    let pm25 = Double((index * 37 + seed * 11) % 2000) / 10
    return #"{"id":"urn:ngsi-ld:AirQualityObserved:s\#(index)","type":"AirQualityObserved","#
        + #""pm25":{"type":"Property","value":\#(pm25),"observedAt":"\#(observed)"},"#
        + #""pm10":{"type":"Property","value":\#(pm25 * 1.6),"observedAt":"\#(observed)"},"#
        + #""no2":{"type":"Property","value":\#((index + seed) % 90),"observedAt":"\#(observed)"},"#
        + #""temperature":{"type":"Property","value":\#(20 + (index + seed) % 15),"observedAt":"\#(observed)"},"#
        + #""ward":{"type":"Property","value":"w\#(index % 57)"}}"#
}

func batchJSON(_ range: Range<Int>, minute: Int, seed: Int) -> String {
    let observed = NGSIClock.instant(minute: minute)
    return "[" + range.map { stationJSON($0, minute: minute, seed: seed, observed: observed) }.joined(separator: ",") + "]"
}

enum NGSIClock {
    /// Midnight UTC ten days ago: every reading of the run lies in the past, as the broker requires.
    static let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 - 10 * 86_400)

    /// Written by hand: a formatter made per reading (ICU underneath) cost the client a fifth of the CPU it shares
    /// with the server, and the figures with it.
    static func instant(minute: Int) -> String {
        let seconds = Int(start.timeIntervalSince1970) + minute * 60
        let days = seconds / 86_400, rest = seconds % 86_400
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = days + 719_468, era = z / 146_097, dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1, month = shifted < 10 ? shifted + 3 : shifted - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))Z"
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
