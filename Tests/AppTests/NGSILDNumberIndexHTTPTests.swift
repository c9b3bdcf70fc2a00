import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Platform
import SQLKit
import Testing

/// A city that declares `HUES_NGSI_NUMBER_INDEXES=AirQualityObserved=pm25` gets the index at start, and `/entities`
/// answers counts and pages through it exactly as it would by reading every station.
@Suite struct NGSILDNumberIndexHTTPTests {
    static let count = HTTPField.Name("NGSILD-Results-Count")!

    @Test func aDeclaredNumberIsIndexedAtStartAndQueriesAnswerAsBefore() async throws {
        let pm25 = try #require(SensorNumberIndex(type: "AirQualityObserved", attribute: "pm25"))
        try await TestApp.run(configure: { $0.ngsiNumberIndexes = [pm25] }) { client, runtime in
            let sql = try runtime.database.sql(logger: runtime.logger)
            let indexes = sql.dialect.name == "postgresql"
                ? "SELECT indexname AS name FROM pg_indexes WHERE indexname LIKE 'ngsi_number%'"
                : "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ngsi_number%'"
            #expect(try await sql.raw(SQLQueryString(indexes)).all().count == 1)

            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            // Thirty stations at 0, 10 … 290 µg/m³ in one batch.
            let stations = (0..<30).map { index in
                #"{"id":"urn:ngsi-ld:AirQualityObserved:idx-\#(String(format: "%02d", index))","type":"AirQualityObserved","#
                    + #""pm25":{"type":"Property","value":\#(index * 10),"observedAt":"2026-12-01T08:00:00Z"}}"#
            }
            let stored = try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert", token: ioc, json: "[" + stations.joined(separator: ",") + "]")
            #expect(stored.status == .created || stored.status == .noContent, "\(stored.status)")

            func ids(_ query: String) async throws -> (ids: [String], count: String?) {
                let answer = try await client.send(.get, "/ngsi-ld/v1/entities?type=AirQualityObserved&count=true&" + query, token: ioc)
                #expect(answer.status == .ok, "\(query): \(String(buffer: answer.body))")
                let list = try JSONSerialization.jsonObject(with: Data(buffer: answer.body)) as? [[String: Any]] ?? []
                return (list.compactMap { ($0["id"] as? String)?.components(separatedBy: ":").last }, answer.headers[Self.count])
            }
            let above = try await ids("q=pm25%3E150&limit=3")
            #expect(above.count == "14" && above.ids == ["idx-16", "idx-17", "idx-18"])
            let later = try await ids("q=pm25%3E150&limit=3&offset=12")
            #expect(later.count == "14" && later.ids == ["idx-28", "idx-29"])
            let past = try await ids("q=pm25%3E150&limit=3&offset=20")
            #expect(past.count == "14" && past.ids.isEmpty)
            let range = try await ids("q=pm25==40..60;pm25!=50")
            #expect(range.count == "2" && range.ids == ["idx-04", "idx-06"])
            let none = try await ids("q=pm25%3E1000")
            #expect(none.count == "0" && none.ids.isEmpty)
            // A reading that moves a station across the bound moves it in the answer.
            let moved = try await client.send(.patch, "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:idx-00/attrs", token: ioc,
                                              json: #"{"pm25":{"type":"Property","value":400,"observedAt":"2026-12-01T09:00:00Z"}}"#)
            #expect(moved.status == .noContent)
            let after = try await ids("q=pm25%3E150&limit=1")
            #expect(after.count == "15" && after.ids == ["idx-00"])
        }
    }
}
