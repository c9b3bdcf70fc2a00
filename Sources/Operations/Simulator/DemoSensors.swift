import Foundation
import Logging
import Platform
import Synchronization

/// The demo city's sensors at work: a background round writes every sensor's reading each minute through the
/// broker (as a gateway would), the demo seed fills the last day so screens have a history, and an operator can
/// start a flood. On only when the platform runs as the demo (`hues serve --demo`); the flood lives in this
/// instance's memory, which is enough for a demo of one instance.
public final class DemoSensors: Sendable {
    let broker: NGSIBroker
    let simulator = SensorSimulator()
    let clock: @Sendable () -> Date
    private let floodStart = Mutex<Date?>(nil)

    init(broker: NGSIBroker, clock: @escaping @Sendable () -> Date) {
        self.broker = broker
        self.clock = clock
    }

    /// Writes every sensor's reading for `instant` (now, unless backfilling).
    func tick(at instant: Date? = nil, logger: Logger) async throws {
        let moment = instant ?? clock()
        let parser = EntityParser(now: clock())
        let documents = simulator.readings(at: moment, floodStartedAt: floodStart.withLock { $0 })
        let parsed = try documents.map { document throws(NGSIError) in try parser.entity(document) }
        let outcome = try await broker.write(parsed, operation: .merge(overwrite: true), logger: logger)
        if let refused = outcome.errors.first { logger.error("demo sensor reading refused", metadata: ["sensor": "\(refused.entityID)", "error": "\(refused.error)"]) }
    }

    /// The last `hours` at ten-minute steps.
    func backfill(hours: Int, logger: Logger) async throws {
        let now = clock()
        for step in stride(from: hours * 6, through: 1, by: -1) {
            try await tick(at: now.addingTimeInterval(-Double(step) * 600), logger: logger)
        }
    }

    /// Starts a flood now (or restarts one); returns when it started.
    func startFlood() -> Date {
        let now = clock()
        floodStart.withLock { $0 = now }
        return now
    }
}
