import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Operations
import Testing

/// Over HTTP, a reading for an hour the roll-up already summarised: a single-entity request with it is refused whole
/// (400, nothing of it stored), a batch lists it in a 207 and stores the rest.
@Suite struct NGSILDSummarisedHourHTTPTests {
    static let gauge = "urn:ngsi-ld:WaterLevelObserved:kim-long"

    static func level(_ value: Double, at date: Date) -> String {
        #"{"type":"Property","value":\#(value),"observedAt":"\#(NGSITime.format(date))"}"#
    }

    @Test func aSingleRequestWithSuchAReadingStoresNothingAndABatchListsIt() async throws {
        try await TestApp.run { client, runtime in
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            let threeDaysAgo = Date().addingTimeInterval(-3 * 86_400)
            let created = try await client.send(.post, "/ngsi-ld/v1/entities", token: ioc, json: """
                {"id":"\(Self.gauge)","type":"WaterLevelObserved","waterLevel":\(Self.level(1.2, at: threeDaysAgo))}
                """)
            #expect(created.status == .created)
            #expect(try await SensorRetention(database: runtime.database, rawDays: 1, hourlyDays: 30).sweep(logger: runtime.logger) >= 1)

            let again = #"{"waterLevel":\#(Self.level(1.3, at: threeDaysAgo)),"temperature":{"type":"Property","value":21}}"#
            for (method, path) in [(HTTPRequest.Method.post, "/attrs"), (.patch, "/attrs")] {
                let refused = try await client.send(method, "/ngsi-ld/v1/entities/\(Self.gauge)\(path)", token: ioc, json: again)
                #expect(refused.status == .badRequest, "\(method) \(path)")
                #expect(String(buffer: refused.body).contains("hourly figures"), "\(String(buffer: refused.body))")
            }
            let one = try await client.send(.patch, "/ngsi-ld/v1/entities/\(Self.gauge)/attrs/waterLevel", token: ioc,
                                            json: #"{"value":1.3,"observedAt":"\#(NGSITime.format(threeDaysAgo))"}"#)
            #expect(one.status == .badRequest)
            let read = try await client.send(.get, "/ngsi-ld/v1/entities/\(Self.gauge)?options=keyValues", token: ioc)
            let now = try #require(try JSONSerialization.jsonObject(with: Data(buffer: read.body)) as? [String: Any])
            #expect(now["waterLevel"] as? Double == 1.2 && now["temperature"] == nil)

            // Changing only the unit keeps the stored reading as it is: not a new one, so accepted.
            #expect(try await client.send(.patch, "/ngsi-ld/v1/entities/\(Self.gauge)/attrs/waterLevel", token: ioc,
                                          json: #"{"unitCode":"MTR"}"#).status == .noContent)

            let batch = try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert?options=update", token: ioc, json: """
                [{"id":"\(Self.gauge)","type":"WaterLevelObserved","waterLevel":\(Self.level(1.3, at: threeDaysAgo))},
                 {"id":"urn:ngsi-ld:WaterLevelObserved:phu-cam","type":"WaterLevelObserved","waterLevel":\(Self.level(0.9, at: Date()))}]
                """)
            #expect(batch.status.code == 207)
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(buffer: batch.body)) as? [String: Any])
            #expect((answer["errors"] as? [[String: Any]])?.compactMap { $0["entityId"] as? String } == [Self.gauge])
            #expect((answer["success"] as? [String])?.contains("urn:ngsi-ld:WaterLevelObserved:phu-cam") == true)
        }
    }
}
