import Foundation
import Synchronization

/// How many incidents each unit opened in the last hour, by the server's clock (a sender chooses its events' times,
/// so the incidents' own times cannot be the measure). Past `maximumPerHour` a unit's new incidents go to its alert
/// storm: a sender naming new hosts batch after batch cannot bury the analysts' queue. Each server instance counts
/// its own batches.
final class IncidentPace: Sendable {
    static let maximumPerHour = 200
    private let opened = Mutex<[String: [Date]]>([:])

    /// New incidents each unit may still open now.
    func room(for units: Set<String>, at now: Date) -> [String: Int] {
        opened.withLock { opened in
            Dictionary(uniqueKeysWithValues: units.map { unit in
                (unit, max(0, Self.maximumPerHour - (opened[unit]?.count { now.timeIntervalSince($0) < 3_600 } ?? 0)))
            })
        }
    }

    func record(_ counts: [String: Int], at now: Date) {
        opened.withLock { opened in
            for (unit, count) in counts where count > 0 {
                let recent = (opened[unit] ?? []).filter { now.timeIntervalSince($0) < 3_600 }
                opened[unit] = Array((recent + Array(repeating: now, count: count)).suffix(Self.maximumPerHour))
            }
            // Units are the city's (and `unassigned`): drop those quiet for an hour when the table grows.
            if opened.count > 5_000 { opened = opened.filter { $0.value.contains { now.timeIntervalSince($0) < 3_600 } } }
        }
    }
}
