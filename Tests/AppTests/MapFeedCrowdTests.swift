import Foundation
import Platform
import Testing

@testable import FieldReports

/// A typhoon morning: the whole city opens the same map view at once.
@Suite struct MapFeedCrowdTests {
    @Test func aCrowdMissingTheSameViewWaitsForOneQueryAndAllGetTheSameAnswer() async throws {
        try await TestApp.run { _, runtime in
            let feed = ReportMapFeed(reports: try runtime.require(FieldReportsModule.self).reports)
            let view = MapQuery(box: try MapQuery.box("107.57,16.46,107.60,16.48", zoom: 15), zoom: 15, category: nil, status: nil)
            let logger = runtime.logger
            let tags = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<40 { group.addTask { try await feed.features(view, logger: logger).etag } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(tags.count == 40 && Set(tags).count == 1)
            #expect(feed.cache.made.load(ordering: .relaxed) == 1, "one query for the crowd")
            // Another view is its own query.
            let other = MapQuery(box: try MapQuery.box("107.50,16.40,107.53,16.42", zoom: 15), zoom: 15, category: nil, status: nil)
            _ = try await feed.features(other, logger: logger)
            #expect(feed.cache.made.load(ordering: .relaxed) == 2)
        }
    }
}
