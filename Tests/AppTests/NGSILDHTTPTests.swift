import App
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/ngsi-ld/v1` over HTTP, with the details NGSI-LD clients rely on: 201 with `Location`, 409 with ETSI's error
/// type, `@context` for JSON-LD and a `Link` header for plain JSON, `NGSILD-Results-Count`, 207 per refused reading.
@Suite struct NGSILDHTTPTests {
    static let ld: HTTPFields = [.contentType: "application/ld+json", .accept: "application/ld+json"]
    static let station = #"""
        {"id":"urn:ngsi-ld:AirQualityObserved:hue-01","type":"AirQualityObserved",
         "pm25":{"type":"Property","value":18.5,"unitCode":"GQ","observedAt":"2026-12-01T08:00:00Z"},
         "location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[107.5909,16.4637]}},
         "@context":"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"}
        """#

    func json(_ response: TestResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [.fragmentsAllowed])
    }

    @Test func createReadQueryAndDeleteAsNGSILDClientsExpect() async throws {
        try await TestApp.run { client, _ in
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            let created = try await client.send(.post, "/ngsi-ld/v1/entities/", token: ioc, json: nil, headers: Self.ld, body: Self.station)
            #expect(created.status == .created)
            #expect(created.headers[.location] == "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:hue-01")
            let duplicate = try await client.send(.post, "/ngsi-ld/v1/entities", token: ioc, headers: Self.ld, body: Self.station)
            #expect(duplicate.status == .conflict)
            #expect((try json(duplicate) as? [String: Any])?["type"] as? String == "https://uri.etsi.org/ngsi-ld/errors/AlreadyExists")

            let read = try await client.send(.get, "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:hue-01", token: ioc, headers: [.accept: "application/ld+json"])
            let entity = try #require(try json(read) as? [String: Any])
            #expect(entity["@context"] as? String == "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld")
            #expect((entity["pm25"] as? [String: Any])?["value"] as? Double == 18.5)
            let plain = try await client.send(.get, "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:hue-01?options=keyValues", token: ioc,
                                              headers: [.accept: "application/json"])
            #expect(plain.headers[.contentType] == "application/json" && plain.headers[HTTPField.Name("Link")!]?.contains("json-ld#context") == true)
            #expect((try json(plain) as? [String: Any])?["pm25"] as? Double == 18.5)

            let probe = try await client.send(.get, "/ngsi-ld/v1/entities?type=None&limit=0&count=true", token: ioc, headers: [.accept: "application/json"])
            #expect(probe.status == .ok && probe.headers[HTTPField.Name("NGSILD-Results-Count")!] == "0")
            let counted = try await client.send(.get, "/ngsi-ld/v1/entities?type=AirQualityObserved&q=pm25%3E10&count=true", token: ioc)
            #expect(try counted.headers[HTTPField.Name("NGSILD-Results-Count")!] == "1" && (json(counted) as? [Any])?.count == 1)
            let none = try await client.send(.get, "/ngsi-ld/v1/entities?type=AirQualityObserved&q=pm25%3E20", token: ioc)
            #expect((try json(none) as? [Any])?.isEmpty == true)
            let badQuery = try await client.send(.get, "/ngsi-ld/v1/entities?type=AirQualityObserved&q=pm25%3E%3E", token: ioc)
            #expect(try badQuery.status == .badRequest && (json(badQuery) as? [String: Any])?["type"] as? String == "https://uri.etsi.org/ngsi-ld/errors/InvalidRequest")

            #expect(try await client.send(.delete, "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:hue-01", token: ioc).status == .noContent)
            let gone = try await client.send(.get, "/ngsi-ld/v1/entities/urn:ngsi-ld:AirQualityObserved:hue-01", token: ioc)
            #expect(try gone.status == .notFound && (json(gone) as? [String: Any])?["type"] as? String == "https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound")
        }
    }

    @Test func aBatchUpsertStoresTheGoodReadingsAndListsTheBadOnes() async throws {
        try await TestApp.run { client, _ in
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            let future = "2099-01-01T00:00:00Z"
            let batch = """
                [{"id":"urn:ngsi-ld:WaterLevelObserved:kim-long","type":"WaterLevelObserved","waterLevel":{"type":"Property","value":2.4,"observedAt":"2026-12-01T08:00:00Z"}},
                 {"id":"urn:ngsi-ld:WaterLevelObserved:phu-oc","type":"WaterLevelObserved","waterLevel":{"type":"Property","value":"high"},"flow":{"type":"Property","value":310}},
                 {"id":"urn:ngsi-ld:WaterLevelObserved:tuan","type":"WaterLevelObserved","waterLevel":{"type":"Property","value":1.1,"observedAt":"\(future)"}},
                 {"id":"no uri","type":"WaterLevelObserved"}]
                """
            let answer = try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert/?options=update", token: ioc, json: batch)
            #expect(answer.status.code == 207)
            let document = try #require(try json(answer) as? [String: Any])
            #expect((document["success"] as? [String])?.sorted() == ["urn:ngsi-ld:WaterLevelObserved:kim-long", "urn:ngsi-ld:WaterLevelObserved:phu-oc",
                                                                      "urn:ngsi-ld:WaterLevelObserved:tuan"])
            let errors = try #require(document["errors"] as? [[String: Any]])
            #expect(errors.compactMap { $0["entityId"] as? String } == ["no uri", "urn:ngsi-ld:WaterLevelObserved:phu-oc", "urn:ngsi-ld:WaterLevelObserved:tuan"])
            #expect(errors.allSatisfy { ($0["error"] as? [String: Any])?["type"] as? String == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData" })
            let history = try await client.send(.get, "/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:WaterLevelObserved:kim-long?options=temporalValues", token: ioc)
            #expect(((try json(history) as? [String: Any])?["waterLevel"] as? [String: Any])?["values"] as? [[Any]] != nil)
            let again = try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert/", token: ioc,
                                              json: #"[{"id":"urn:ngsi-ld:WaterLevelObserved:kim-long","type":"WaterLevelObserved","waterLevel":2.5}]"#)
            #expect(again.status == .noContent)
            let fresh = try await client.send(.post, "/ngsi-ld/v1/entityOperations/create/", token: ioc,
                                              json: #"[{"id":"urn:ngsi-ld:WaterLevelObserved:dap-da","type":"WaterLevelObserved","waterLevel":0.8}]"#)
            #expect(try fresh.status == .created && (json(fresh) as? [String]) == ["urn:ngsi-ld:WaterLevelObserved:dap-da"])
            // Many entities' history needs a window or lastN; one answer holds at most 50,000 values.
            let unbounded = try await client.send(.get, "/ngsi-ld/v1/temporal/entities?type=WaterLevelObserved", token: ioc)
            #expect(unbounded.status == .badRequest)
            #expect(try await client.send(.get, "/ngsi-ld/v1/temporal/entities?type=WaterLevelObserved&lastN=10", token: ioc).status == .ok)
        }
    }

    @Test func onlyTheOperationsCentreReachesTheBrokerAndItRefusesTenantsAndBadBodies() async throws {
        try await TestApp.run { client, _ in
            #expect(try await client.send(.get, "/ngsi-ld/v1/entities?type=AirQualityObserved").status == .unauthorized)
            let citizen = try await client.signIn("citizen", "demo-citizen-2026").access
            #expect(try await client.send(.get, "/ngsi-ld/v1/entities?type=AirQualityObserved", token: citizen).status == .forbidden)
            let officer = try await client.signIn("officer", "demo-officer-2026").access
            #expect(try await client.send(.post, "/ngsi-ld/v1/entities", token: officer, headers: Self.ld, body: Self.station).status == .forbidden)
            // An IOC role held in a ward does not reach the city's sensors: only the operations centre's unit does.
            let admin = try await client.signIn("admin", "demo-admin-2026").access
            let created = try await client.send(.post, "/api/v1/accounts", token: admin, json: """
                {"username":"ioc-ward","displayName":"IOC phường","password":"a-long-password-2026","kind":"staff",
                 "roles":[{"role":"ioc_operator","unitCode":"phuong-phu-xuan"}]}
                """)
            #expect(created.status == .created)
            let wardIOC = try await client.signIn("ioc-ward", "a-long-password-2026").access
            #expect(try await client.send(.get, "/ngsi-ld/v1/entities?type=AirQualityObserved", token: wardIOC).status == .forbidden)
            #expect(try await client.send(.get, "/ngsi-ld/v1/entities?type=AirQualityObserved", token: admin).status == .ok)
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            let tenant = try await client.send(.get, "/ngsi-ld/v1/entities?type=T", token: ioc, headers: [HTTPField.Name("NGSILD-Tenant")!: "other"])
            #expect(tenant.status == .notImplemented)
            for body in ["{", "[]", #"{"id":"urn:x:1"}"#, String(repeating: "[", count: 100)] {
                let refused = try await client.send(.post, "/ngsi-ld/v1/entities", token: ioc, json: body)
                #expect(refused.status == .badRequest, "\(body.prefix(20))")
                #expect(((try? json(refused)) as? [String: Any])?["type"] as? String ?? "" != "", "\(body.prefix(20))")
            }
            let noContext = try await client.send(.post, "/ngsi-ld/v1/entities", token: ioc, headers: Self.ld, body: #"{"id":"urn:x:1","type":"T"}"#)
            #expect((try json(noContext) as? [String: Any])?["type"] as? String == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData")
            #expect(try await client.send(.get, "/ngsi-ld/v1/entities?type=T&limit=5000", token: ioc).status == .forbidden)
            #expect(try await client.send(.get, "/ngsi-ld/v1/entities", token: ioc).status == .badRequest)
        }
    }
}

extension TestClientProtocol {
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil, headers: HTTPFields, body: String) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body)) { $0 }
    }
}
