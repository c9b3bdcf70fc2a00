import Foundation
import Logging
import Platform
import Synchronization

/// The live figures of the city: the projection that keeps them from the event log, their current values and their
/// series. One round reads new events, then records the figures that moved (a deadline passing moves an overdue
/// count with no event at all), and the live streams hear of it in the same commit.
public struct LiveFigures: Sendable {
    public let book: LiveFigureBook
    public let projection: LiveFigureProjection
    public let values: LiveFigureValues
    let series: LiveFigureSeries
    /// The figures as NGSI-LD indicator entities (for alert rules and the temporal API); nil: not kept as entities.
    let entities: LiveFigureEntities?
    let clock: @Sendable () -> Date
    let swept = Hourly()
    let lastRound = LastRound()

    /// Seconds since the previous round (infinite before the first).
    final class LastRound: Sendable {
        let at = Mutex<Date?>(nil)
        func gap(at now: Date) -> TimeInterval {
            at.withLock { at in
                defer { at = now }
                return at.map { abs(now.timeIntervalSince($0)) } ?? .infinity
            }
        }
    }

    /// Whether an hour has passed since the last time (the first call says yes).
    final class Hourly: Sendable {
        let last = Mutex<Date?>(nil)
        func due(at now: Date) -> Bool {
            last.withLock { last in
                guard last.map({ now.timeIntervalSince($0) >= 3600 || now < $0 }) ?? true else { return false }
                last = now
                return true
            }
        }
    }

    public init(figures: [LiveFigure], database: PlatformDatabase, broker: NGSIBroker?, secrets: SecretBox, timeZone: TimeZone,
                clock: @escaping @Sendable () -> Date, logger: Logger) {
        entities = broker.map { LiveFigureEntities(broker: $0) }
        book = LiveFigureBook(figures, timeZone: timeZone, logger: logger)
        projection = LiveFigureProjection(database: database, book: book, secrets: secrets)
        values = LiveFigureValues(database: database, book: book)
        series = LiveFigureSeries(database: database, timeZone: timeZone)
        self.clock = clock
    }

    /// Catches up with the log and records what moved; returns the codes of the figures that moved. Screens hear of a
    /// move only from the recording, once the series and indicator entities agree with the tables.
    @discardableResult
    public func round(logger: Logger) async throws -> [String] {
        try await projection.catchUp(logger: logger)
        let now = clock()
        // A gap between rounds means another instance may have held the work and written meanwhile: what this one
        // remembers writing is no longer what is stored, so it writes everything again.
        if lastRound.gap(at: now) > 30 {
            series.forget()
            entities?.forget()
        }
        let moved = try await series.record(try await values.all(at: now, logger: logger), entities: entities, at: now, logger: logger)
        if swept.due(at: now) { try await projection.sweep(at: now, logger: logger) }
        return moved
    }

    public func points(_ code: String, resolution: LiveFigureSeries.Resolution, from: Date, to: Date, logger: Logger) async throws -> [LiveFigureSeries.Point] {
        try await series.points(code, resolution: resolution, from: from, to: to, logger: logger)
    }
}
