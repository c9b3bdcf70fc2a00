import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The attribute operations of `/ngsi-ld/v1/entities/{id}/attrs`: append (with `noOverwrite`), update of the
/// existing ones only (207 naming the others), change one, remove one; each change of a number is a reading.
@Suite struct NGSILDAttributeHTTPTests {
    let entity = "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:hue-01"

    func keyValues(_ client: some TestClientProtocol, token: String) async throws -> [String: Any] {
        let read = try await client.send(.get, entity + "?options=keyValues", token: token)
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: read.body)) as? [String: Any])
    }

    @Test func attributesAreAddedChangedAndRemovedAndOnlyExistingOnesPatched() async throws {
        try await TestApp.run { client, _ in
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            #expect(try await client.send(.post, "/ngsi-ld/v1/entities", token: ioc, json: nil, headers: NGSILDHTTPTests.ld,
                                          body: NGSILDHTTPTests.station).status == .created)
            // Append: a new attribute, and with noOverwrite an existing one is left as it was.
            let appended = try await client.send(.post, entity + "/attrs?options=noOverwrite", token: ioc,
                                                 json: #"{"no2":{"type":"Property","value":12},"pm25":{"type":"Property","value":99}}"#)
            #expect(appended.status == .noContent)
            var now = try await keyValues(client, token: ioc)
            #expect(now["no2"] as? Double == 12 && now["pm25"] as? Double == 18.5)

            // PATCH: the attributes it has change; one it lacks is named in a 207 and not added.
            let patched = try await client.send(.patch, entity + "/attrs", token: ioc,
                                                json: #"{"pm25":{"type":"Property","value":42,"observedAt":"2026-12-01T09:00:00Z"},"pm10":{"type":"Property","value":7}}"#)
            #expect(patched.status.code == 207)
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(buffer: patched.body)) as? [String: Any])
            #expect(answer["updated"] as? [String] == ["pm25"])
            #expect((answer["notUpdated"] as? [[String: Any]])?.map { $0["attributeName"] as? String } == ["pm10"])
            now = try await keyValues(client, token: ioc)
            #expect(now["pm25"] as? Double == 42 && now["pm10"] == nil)
            let allKnown = try await client.send(.patch, entity + "/attrs", token: ioc, json: #"{"no2":{"type":"Property","value":13}}"#)
            #expect(allKnown.status == .noContent)
            // A word where the model has a number is refused, and nothing changes.
            let words = try await client.send(.patch, entity + "/attrs", token: ioc, json: #"{"pm25":{"type":"Property","value":"high"}}"#)
            #expect(words.status == .badRequest)
            #expect(try await keyValues(client, token: ioc)["pm25"] as? Double == 42)

            // The PATCH's reading is in the history, at its own time.
            let history = try await client.send(.get, "/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:AirQualityObserved:hue-01?attrs=pm25&options=temporalValues"
                                                + "&timerel=after&timeAt=2026-12-01T08:30:00Z", token: ioc)
            #expect(String(buffer: history.body).contains("42") && String(buffer: history.body).contains("2026-12-01T09:00:00"), "\(String(buffer: history.body))")

            // One attribute: changed, then removed; a second removal finds nothing.
            #expect(try await client.send(.patch, entity + "/attrs/no2", token: ioc, json: #"{"value":15}"#).status == .noContent)
            #expect(try await keyValues(client, token: ioc)["no2"] as? Double == 15)
            #expect(try await client.send(.delete, entity + "/attrs/no2", token: ioc).status == .noContent)
            #expect(try await keyValues(client, token: ioc)["no2"] == nil)
            #expect(try await client.send(.delete, entity + "/attrs/no2", token: ioc).status == .notFound)
            // An entity that does not exist.
            #expect(try await client.send(.patch, "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:nowhere/attrs", token: ioc,
                                          json: #"{"pm25":{"type":"Property","value":1}}"#).status == .notFound)
        }
    }
}
