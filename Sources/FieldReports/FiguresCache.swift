import Foundation
import Synchronization

/// The public page's per-unit figures, kept for a minute: they aggregate months of reports, and a minute-old
/// summary is as good as a fresh one for people reading it.
final class FiguresCache: Sendable {
    private let entry = Mutex<(key: Date, at: Date, figures: [FieldReportService.UnitFigures])?>(nil)
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 60) {
        self.lifetime = lifetime
    }

    func figures(since: Date, compute: () async throws -> [FieldReportService.UnitFigures]) async throws -> [FieldReportService.UnitFigures] {
        let now = Date()
        if let cached = entry.withLock({ $0 }), cached.key == since, now.timeIntervalSince(cached.at) < lifetime { return cached.figures }
        let fresh = try await compute()
        entry.withLock { $0 = (since, now, fresh) }
        return fresh
    }
}
