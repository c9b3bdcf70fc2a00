import Foundation
import Platform
import SQLKit
import Synchronization
import Testing

@testable import FieldReports

/// Report codes are six random characters a day: at a typhoon's volumes two filings now and then draw the same one.
@Suite struct ReportCodeCollisionTests {
    @Test func aFilingThatDrawsACodeAlreadyTakenIsWrittenUnderAnotherNotRefused() async throws {
        try await TestApp.run { _, runtime in
            var reports = try runtime.require(FieldReportsModule.self).reports
            let draws = Mutex(["AAAAAA", "AAAAAA", "AAAAAA", "BBBBBB"])
            reports.drawCode = { day in "PA-\(day)-" + draws.withLock { $0.isEmpty ? "ZZZZZZ" : $0.removeFirst() } }
            let reporter = FieldReportService.Reporter(accountID: nil, name: "Tổng đài 1022", contact: nil, channel: .open311)
            // Far apart, so neither joins the other's case.
            let first = try await reports.fileReport(NewFieldReport(category: "garbage", description: "Rác ở chợ", latitude: 16.47, longitude: 107.58),
                                                     by: reporter, dedupeKey: nil, logger: runtime.logger)
            let second = try await reports.fileReport(NewFieldReport(category: "garbage", description: "Rác bờ sông", latitude: 16.45, longitude: 107.60),
                                                      by: reporter, dedupeKey: nil, logger: runtime.logger)
            #expect(first.code.hasSuffix("-AAAAAA"))
            #expect(second.code.hasSuffix("-BBBBBB"), "two taken draws, then a free one: \(second.code)")
            let sql = try runtime.database.sql(logger: runtime.logger)
            let stored = try await sql.raw("SELECT code, description FROM field_reports WHERE code IN (\(bind: first.code), \(bind: second.code))").all()
            #expect(Set(try stored.map { try $0.decode(column: "description", as: String.self) }) == ["Rác ở chợ", "Rác bờ sông"])
            #expect(try await EventLog.verify(on: try runtime.database.db(logger: runtime.logger)).isIntact)
            // A code that keeps colliding gives up after a few draws with an error, rather than looping.
            draws.withLock { $0 = Array(repeating: "AAAAAA", count: 10) }
            await #expect(throws: (any Error).self) {
                try await reports.fileReport(NewFieldReport(category: "garbage", description: "Rác ở cầu", latitude: 16.49, longitude: 107.56),
                                             by: reporter, dedupeKey: nil, logger: runtime.logger)
            }
        }
    }
}
