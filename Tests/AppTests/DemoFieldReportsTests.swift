import App
import FieldReports
import Foundation
import Logging
import Platform
import Testing

struct DemoFieldReportsTests {
    @Test func theDemoCityHasMonthsOfReportsInEveryStateOverItsWards() async throws {
        try await TestApp.run { client, runtime in
            let service = try runtime.require(FieldReportsModule.self).reports
            let logger = Logger(label: "test")
            let accounts = try await ["citizen", "business"].asyncCompactMap { try await runtime.identity.accounts.find(username: $0, logger: logger) }
            let summary = try #require(try await service.seedDemoHistory(count: 600, reporters: accounts.map { ($0.id.uuidString, $0.displayName) },
                                                                         logger: logger))
            #expect(summary.created == 600)
            for state in ["submitted", "in-progress", "resolved", "closed", "rejected"] { #expect((summary.byState[state] ?? 0) > 0, "\(state)") }
            #expect(try await service.seedDemoHistory(count: 600, reporters: [("x", "x")], logger: logger) == nil)
            // Nothing in the demo history happens in the future, or in the last ten minutes (it would use up filing budgets).
            let newest = try #require(try await runtime.database.sql(logger: logger).raw("SELECT MAX(requested_at) AS newest FROM field_reports").first())
            #expect(try newest.decode(column: "newest", as: Date.self) < Date().addingTimeInterval(-590))
            // Written in bulk, the history still chains in the event log like live steps do.
            let db = try runtime.database.db(logger: logger)
            #expect(try await EventLog.verify(on: db).isIntact)
            let events = try await EventLog.read(after: 0, limit: 5000, on: db)
            #expect(events.filter { $0.type == "field-report.filed" }.count == 600)
            #expect(events.filter { $0.type == "workflow.transitioned" && $0.subject?.hasPrefix("field-report:") == true }.count > 1000)

            let figures = try await service.figures(since: Date().addingTimeInterval(-200 * 86_400), logger: logger)
            #expect(figures.count >= 15)
            let ward = try #require(figures.first { $0.unit == "phuong-phu-xuan" })
            #expect(ward.received > 10 && ward.onTime > 0 && ward.overdue > 0 && ward.averageHandlingHours != nil && ward.satisfaction != nil)
            // Every point sits inside the city and routing agrees with the unit that handled it.
            let list = try await service.list(.init(states: ["in-progress"], publicOnly: false, paging: Paging(limit: 500)), logger: logger)
            let boundaries = try #require(service.boundaries)
            for report in list {
                let point = GeoPoint(latitude: report.latitude ?? 0, longitude: report.longitude ?? 0)
                #expect(boundaries.insideCity(point))
                if service.settings.category(report.category)?.responsible.unitKind == "commune" { #expect(boundaries.unit(at: point) == report.unit) }
            }
            let map = try await client.execute(uri: "/api/v1/field-reports/map?bbox=107.50,16.40,107.68,16.56&zoom=14", method: .get) { $0 }
            #expect(map.status == .ok && body(map).components(separatedBy: "\"code\"").count > 100)
            let citizen = try await client.token("citizen")
            #expect(try client.json([FieldReportSummary].self, try await client.send(.get, "/api/v1/field-reports/mine?page_size=500", token: citizen)).count > 50)
        }
    }
}

extension Array {
    func asyncCompactMap<T>(_ transform: (Element) async throws -> T?) async rethrows -> [T] {
        var results: [T] = []
        for element in self { if let value = try await transform(element) { results.append(value) } }
        return results
    }
}
