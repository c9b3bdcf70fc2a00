import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A sensor gateway's account (the operations unit's `sensor_gateway`) feeds the broker and nothing more.
@Suite struct SensorGatewayTests {
    @Test func aGatewayWritesAndReadsEntitiesAndReachesNothingElse() async throws {
        try await TestApp.run { client, _ in
            let gateway = try await client.signIn("gateway", "demo-gateway-2026").access
            let station = #"{"id":"urn:ngsi-ld:WaterLevelObserved:gw-1","type":"WaterLevelObserved","waterLevel":{"type":"Property","value":1.2}}"#
            #expect(try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert", token: gateway, json: "[\(station)]").status.code < 300)
            #expect(try await client.send(.patch, "/ngsi-ld/v1/entities/urn:ngsi-ld:WaterLevelObserved:gw-1/attrs", token: gateway,
                                          json: #"{"waterLevel":{"type":"Property","value":1.3}}"#).status == .noContent)
            #expect(try await client.send(.get, "/ngsi-ld/v1/entities/urn:ngsi-ld:WaterLevelObserved:gw-1", token: gateway).status == .ok)
            // Not deleting, subscribing, reading history, setting rules, the screens or the staff's figures.
            for (method, path, json) in [(HTTPRequest.Method.delete, "/ngsi-ld/v1/entities/urn:ngsi-ld:WaterLevelObserved:gw-1", nil),
                                         (.post, "/ngsi-ld/v1/entityOperations/delete", #"["urn:ngsi-ld:WaterLevelObserved:gw-1"]"#),
                                         (.get, "/ngsi-ld/v1/subscriptions", nil),
                                         (.get, "/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:WaterLevelObserved:gw-1?lastN=1", nil),
                                         (.get, "/api/v1/operations/alert-rules", nil), (.get, "/api/v1/operations/alerts", nil)] as [(HTTPRequest.Method, String, String?)] {
                #expect(try await client.send(method, path, token: gateway, json: json).status == .forbidden, "\(method) \(path)")
            }
            let payments = try await client.send(.get, "/api/v1/operations/indicators/payments.cashless-amount-today/series?resolution=minute", token: gateway)
            #expect(payments.status == .forbidden)
            // The IOC operator deletes it.
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            #expect(try await client.send(.delete, "/ngsi-ld/v1/entities/urn:ngsi-ld:WaterLevelObserved:gw-1", token: ioc).status == .noContent)
        }
    }
}
