import App
import FieldReports
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Platform
import Testing

extension TestClientProtocol {
    /// An admin issues a key for an integrating system.
    func open311Key(_ name: String = "Tổng đài 1022") async throws -> String {
        let admin = try await token("admin")
        let issued = try json(AnyCodable.self, try await send(.post, "/api/v1/open311/clients", token: admin, json: #"{"name":"\#(name)"}"#))
        return try #require(issued["apiKey"]?.string)
    }

    func open311Post(_ path: String, _ fields: [(String, String)], headers: HTTPFields = [:]) async throws -> TestResponse {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded; charset=utf-8"
        return try await execute(uri: "/open311/v2/\(path)", method: .post, headers: headers, body: ByteBuffer(string: body)) { $0 }
    }
}

func text(_ response: TestResponse) -> String { String(buffer: response.body) }

struct Open311Tests {
    @Test func discoveryServicesAndDefinitionsInBothFormats() async throws {
        try await TestApp.run { client, _ in
            let discovery = try await client.send(.get, "/open311/v2/discovery.json")
            #expect(discovery.headers[.contentType] == "application/json; charset=utf-8")
            let endpoints = try client.json(AnyCodable.self, discovery)["endpoints"]?.array
            #expect(endpoints?.first?["specification"]?.string == "http://wiki.open311.org/GeoReport_v2")
            #expect(endpoints?.first?["formats"]?.array?.compactMap(\.string) == ["text/xml", "application/json"])
            let xml = try await client.send(.get, "/open311/v2/discovery.xml")
            #expect(xml.headers[.contentType] == "text/xml; charset=utf-8")
            #expect(text(xml).hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<discovery>"))

            let services = try client.json([AnyCodable].self, try await client.send(.get, "/open311/v2/services.json"))
            let road = try #require(services.first { $0["service_code"]?.string == "road-damage" })
            #expect(road["metadata"]?.string == "true" && road["type"]?.string == "realtime" && road["group"]?.string == "Giao thông")
            #expect(services.first { $0["service_code"]?.string == "food-safety" }?["keywords"]?.string?.contains("private") == true)
            #expect(text(try await client.send(.get, "/open311/v2/services.xml")).contains("<services><service><service_code>road-damage</service_code>"))

            let definition = try client.json(AnyCodable.self, try await client.send(.get, "/open311/v2/services/road-damage.json"))
            let size = try #require(definition["attributes"]?.array?.first)
            #expect(size["code"]?.string == "size" && size["datatype"]?.string == "singlevaluelist" && size["required"]?.string == "true")
            #expect(size["values"]?.array?.compactMap { $0["key"]?.string } == ["small", "medium", "large"])
            let singular = try await client.send(.get, "/open311/v2/service/road-damage.xml")
            #expect(text(singular).contains("<attributes><attribute><variable>true</variable><code>size</code>"))
            let english = try client.json([AnyCodable].self, try await client.send(.get, "/open311/v2/services.json?locale=en"))
            #expect(english.contains { $0["service_name"]?.string == "Potholes and road damage" })

            let missing = try await client.send(.get, "/open311/v2/services/unicorns.json")
            #expect(missing.status == .notFound)
            #expect(try client.json([AnyCodable].self, missing).first?["code"]?.int == 404)
            let missingXML = try await client.send(.get, "/open311/v2/services/unicorns.xml")
            #expect(text(missingXML).contains("<errors><error><code>404</code><description>"))
            #expect(try await client.send(.get, "/open311/v2/services.html").status == .notFound)
            let otherCity = try await client.send(.get, "/open311/v2/services.json?jurisdiction_id=sfgov.org")
            #expect(otherCity.status == .notFound)
            #expect(try await client.send(.get, "/open311/v2/services.json?jurisdiction_id=hue.gov.vn").status == .ok)
            #expect(try await client.send(.get, "/open311/v2/services.json?jurisdiction_id=").status == .ok)  // empty counts as absent
        }
    }

    @Test func postingRequestsWithKeysErrorsRetriesAndMedia() async throws {
        try await TestApp.run { client, _ in
            let point = [("lat", "16.474"), ("long", "107.575")]
            let base = [("service_code", "road-damage"), ("description", "Ổ gà trước cửa Ngọ Môn"), ("attribute[size]", "medium")] + point
            let noKey = try await client.open311Post("requests.json", base)
            #expect(noKey.status == .forbidden)
            #expect(try client.json([AnyCodable].self, noKey).first?["code"]?.int == 403)
            #expect(try await client.open311Post("requests.xml", base + [("api_key", "o311_wrong")]).status == .forbidden)
            let key = try await client.open311Key()

            let created = try await client.open311Post("requests.json", base + [("api_key", key), ("email", "an@example.vn"), ("first_name", "An"),
                                                                                 ("device_id", "phone-42")])
            #expect(created.status == .created, "\(text(created))")
            let answer = try client.json([AnyCodable].self, created)
            let id = try #require(answer.first?["service_request_id"]?.string)
            let token = try #require(answer.first?["token"]?.string)
            // The same device sending the same request again (a retry) gets the same request.
            let retry = try await client.open311Post("requests.json", base + [("api_key", key), ("email", "an@example.vn"), ("first_name", "An"),
                                                                               ("device_id", "phone-42")])
            let retried = try client.json([AnyCodable].self, retry).first?["service_request_id"]?.string
            #expect(retry.status == .ok && retried == id)
            let keyed: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "crm-991"]
            let once = try await client.open311Post("requests.json", base + [("api_key", key)], headers: keyed)
            let twice = try await client.open311Post("requests.json", base + [("api_key", key)], headers: keyed)
            let onceID = try client.json([AnyCodable].self, once).first?["service_request_id"]?.string
            let twiceID = try client.json([AnyCodable].self, twice).first?["service_request_id"]?.string
            #expect(onceID != nil && onceID == twiceID)

            // Bad requests in the spec's error format.
            func refused(_ fields: [(String, String)], _ status: HTTPResponse.Status, _ words: String) async throws {
                let response = try await client.open311Post("requests.json", fields + [("api_key", key)])
                #expect(response.status == status, "\(words): \(text(response))")
                #expect(text(response).contains(words), "\(text(response))")
                let list = try client.json([AnyCodable].self, response)
                #expect(list.first?["code"]?.int == Int(status.code))
            }
            try await refused([("service_code", "unicorns"), ("description", "x")] + point, .badRequest, "unicorns")
            try await refused([("service_code", "garbage"), ("description", "Rác")], .badRequest, "location")
            try await refused([("service_code", "garbage"), ("description", "Rác"), ("lat", "16.0544"), ("long", "108.2022")], .badRequest, "outside the city")
            try await refused([("service_code", "garbage"), ("description", String(repeating: "x", count: 4001))] + point, .badRequest, "4000")
            try await refused([("service_code", "garbage"), ("description", "Rác"), ("lat", "north")] + point, .badRequest, "lat")
            try await refused([("service_code", "flooding"), ("description", "Ngập")] + point, .badRequest, "attribute[depth_cm]")
            try await refused([("description", "x")] + point, .badRequest, "service_code")
            try await refused(base + [("jurisdiction_id", "sfgov.org")], .notFound, "sfgov.org")  // in the body, not the query

            // Multipart with a photo, and with something that is not a photo.
            var form = MultipartBody()
            for (name, value) in [("api_key", key), ("service_code", "garbage"), ("description", "Bãi rác tự phát"), ("lat", "16.4701"), ("long", "107.5801")] {
                form.field(name, value)
            }
            form.file("media", "photo.bin", "application/octet-stream", ImageFixtures.webp())
            let withPhoto = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: [.contentType: form.contentType],
                                                     body: ByteBuffer(data: form.finished)) { $0 }
            #expect(withPhoto.status == .created, "\(text(withPhoto))")
            // Listed with the others, it carries its photo's address; the rest carry none.
            let photoID = try #require(try client.json([AnyCodable].self, withPhoto).first?["service_request_id"]?.string)
            let listed = try client.json([AnyCodable].self, try await client.send(.get, "/open311/v2/requests.json?extensions=true"))
            let withMedia = listed.filter { $0["media_url"]?.string != nil }.compactMap { $0["service_request_id"]?.string }
            #expect(withMedia == [photoID])
            #expect(listed.first { $0["service_request_id"]?.string == photoID }?["extended_attributes"]?["photos"]?.array?.count == 1)
            var fake = MultipartBody()
            for (name, value) in [("api_key", key), ("service_code", "garbage"), ("description", "Bãi rác"), ("lat", "16.4701"), ("long", "107.5801")] {
                fake.field(name, value)
            }
            fake.file("media", "photo.jpg", "image/jpeg", Data("MZ this is an executable".utf8))
            let notPhoto = try await client.execute(uri: "/open311/v2/requests.xml", method: .post, headers: [.contentType: fake.contentType],
                                                    body: ByteBuffer(data: fake.finished)) { $0 }
            #expect(notPhoto.status == .badRequest && text(notPhoto).contains("<error><code>400</code><description>media"))

            // Reading back: one request, its token, and the list with filters.
            let one = try client.json([AnyCodable].self, try await client.send(.get, "/open311/v2/requests/\(id).json"))
            #expect(one.count == 1 && one.first?["status"]?.string == "open" && one.first?["service_code"]?.string == "road-damage")
            #expect(one.first?["requested_datetime"]?.string?.hasSuffix("+07:00") == true)
            #expect(one.first?["agency_responsible"]?.string == "Trung tâm Giám sát, điều hành đô thị thông minh")
            let byToken = try client.json([AnyCodable].self, try await client.send(.get, "/open311/v2/tokens/\(token).json"))
            #expect(byToken.first?["service_request_id"]?.string == id)
            #expect(try await client.send(.get, "/open311/v2/requests/PA-000000-NOPE.json").status == .notFound)
            let xmlOne = text(try await client.send(.get, "/open311/v2/requests/\(id).xml"))
            #expect(xmlOne.contains("<service_requests><request><service_request_id>\(id)</service_request_id><status>open</status>"))
        }
    }

    @Test func listingFiltersPagesAndUpdates() async throws {
        try await TestApp.run { client, _ in
            let key = try await client.open311Key()
            var ids: [String] = []
            for index in 0..<5 {
                let response = try await client.open311Post("requests.json", [
                    ("api_key", key), ("service_code", index < 3 ? "garbage" : "noise"), ("description", "Phản ánh số \(index)"),
                    ("lat", String(16.40 + Double(index) * 0.01)), ("long", "107.60"),
                ])
                ids.append(try #require(try client.json([AnyCodable].self, response).first?["service_request_id"]?.string))
            }
            func codes(_ query: String) async throws -> [String] {
                let response = try await client.send(.get, "/open311/v2/requests.json\(query)")
                #expect(response.status == .ok, "\(query): \(text(response))")
                return try client.json([AnyCodable].self, response).compactMap { $0["service_request_id"]?.string }
            }
            #expect(try await codes("").count == 5)
            #expect(Set(try await codes("?service_code=noise")) == Set(ids[3...]))
            #expect(Set(try await codes("?service_code=garbage,noise&status=open")).count == 5)
            #expect(try await codes("?status=closed").isEmpty)
            #expect(Set(try await codes("?service_request_id=\(ids[0]),\(ids[4])&service_code=noise")) == [ids[0], ids[4]])
            let page1 = try await codes("?page_size=2&page=1"), page2 = try await codes("?page_size=2&page=2"), page3 = try await codes("?page_size=2&page=3")
            #expect(page1.count == 2 && page2.count == 2 && page3.count == 1 && Set(page1 + page2 + page3).count == 5)
            #expect(try await codes("?updated_after=2099-01-01T00:00:00Z").isEmpty)
            #expect(try await codes("?updated_before=2099-01-01T00:00:00%2B07:00").count == 5)
            #expect(try await codes("?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z").isEmpty)
            let tooWide = try await client.send(.get, "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
            #expect(tooWide.status == .badRequest && text(tooWide).contains("90 days"))
            #expect(try await client.send(.get, "/open311/v2/requests.json?start_date=yesterday").status == .badRequest)
            #expect(try await client.send(.get, "/open311/v2/requests.json?page_size=501").status == .badRequest)
            #expect(try await client.send(.get, "/open311/v2/requests.json?status=pending").status == .badRequest)

            // Handling shows up in the updates feed with mySociety's statuses, and in extensions.
            let ioc = try await client.token("ioc")
            _ = try await client.reportAction(ids[0], "reject", token: ioc, #"{"reason":"Đã có đơn vị xử lý","rejection":"not-responsible"}"#)
            let updates = try client.json([AnyCodable].self, try await client.send(.get, "/open311/v2/servicerequestupdates.json"))
            #expect(updates.contains { $0["service_request_id"]?.string == ids[0] && $0["status"]?.string == "NOT_COUNCILS_RESPONSIBILITY" })
            #expect(text(try await client.send(.get, "/open311/v2/servicerequestupdates.xml")).contains("<service_requests_updates><request_update>"))
            let extended = try client.json([AnyCodable].self, try await client.send(.get, "/open311/v2/requests/\(ids[0]).json?extensions=true"))
            #expect(extended.first?["status"]?.string == "closed")
            #expect(extended.first?["extended_attributes"]?["channel"]?.string == "open311")
            #expect(extended.first?["notes"]?.array?.count == 2)

            // A back-end posts an update: it joins the public timeline.
            let posted = try await client.open311Post("servicerequestupdates.json", [
                ("api_key", key), ("service_request_id", ids[1]), ("update_id", "crm-1"), ("status", "IN_PROGRESS"), ("description", "Đội vệ sinh đã nhận"),
                ("updated_datetime", "2026-11-29T09:00:00+07:00"),
            ])
            #expect(posted.status == .ok, "\(text(posted))")
            let report = try client.report(try await client.send(.get, "/api/v1/field-reports/\(ids[1])"))
            #expect(report.updates.contains { $0.description.hasPrefix("Đội vệ sinh đã nhận") && $0.author == "Tổng đài 1022" })
            #expect(try await client.open311Post("servicerequestupdates.json", [("service_request_id", ids[1]), ("description", "x")]).status == .forbidden)

            // A revoked key no longer posts.
            let admin = try await client.token("admin")
            let clients = try client.json([AnyCodable].self, try await client.send(.get, "/api/v1/open311/clients", token: admin))
            let clientID = try #require(clients.first?["id"]?.string)
            #expect(try await client.send(.post, "/api/v1/open311/clients/\(clientID)/revoke", token: admin).status == .ok)
            #expect(try await client.open311Post("requests.json", [("api_key", key), ("service_code", "garbage"), ("description", "x"),
                                                                   ("lat", "16.47"), ("long", "107.58")]).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/open311/clients", token: try await client.token("ioc")).status == .forbidden)
        }
    }
}
