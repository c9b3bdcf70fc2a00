import Foundation
import Logging
import Platform

/// The live figures every module declared, by code and by the event types they read, with the city's clock and
/// time zone for their periods.
public struct LiveFigureBook: Sendable {
    public let figures: [LiveFigure]
    let byType: [String: [LiveFigure]]
    let byCode: [String: LiveFigure]
    let timeZone: TimeZone

    /// Figures with a code already taken are left out (the first declared wins) and logged, never merged.
    public init(_ declared: [LiveFigure], timeZone: TimeZone, logger: Logger) {
        var kept: [LiveFigure] = []
        var codes: Set<String> = []
        for figure in declared {
            guard codes.insert(figure.code).inserted else {
                logger.error("operations: a live figure is declared twice; the second is left out", metadata: ["figure": "\(figure.code)"])
                continue
            }
            kept.append(figure)
        }
        // A figure counting another's overdue things needs that one to exist.
        kept.removeAll { figure in
            guard case .overdue(let of) = figure.kind, !codes.contains(of) else { return false }
            logger.error("operations: a live figure counts the overdue things of a figure nobody declares", metadata: ["figure": "\(figure.code)", "of": "\(of)"])
            return true
        }
        figures = kept
        byCode = Dictionary(kept.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        byType = kept.reduce(into: [:]) { index, figure in for type in Set(figure.events) { index[type, default: []].append(figure) } }
        self.timeZone = timeZone
    }

    /// The event types any figure reads: the projection's doorbell.
    var eventTypes: [String] { byType.keys.sorted() }

    func figure(_ code: String) -> LiveFigure? { byCode[code] }

    /// The period a moment falls in: `2026-12-02`, `2026-12`, or "" for a figure that never starts again.
    func period(of figure: LiveFigure, at moment: Date) -> String {
        switch figure.period {
        case .always: ""
        case .day: CityDay.of(moment, in: timeZone)
        case .month: String(CityDay.of(moment, in: timeZone).prefix(7))
        }
    }

    /// The figure whose things a figure counts (an overdue figure counts another's).
    func itemsOwner(of figure: LiveFigure) -> LiveFigure {
        if case .overdue(let of) = figure.kind, let owner = byCode[of] { return owner }
        return figure
    }
}
