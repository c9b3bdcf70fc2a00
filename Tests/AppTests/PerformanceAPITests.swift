import App
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Who sees which scorecard: leaders their own units, the operations centre and admins any unit and the city.
@Suite struct PerformanceAPITests {
    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test func leadersSeeTheirOwnUnitAndTheCitySeesAll() async throws {
        try await TestApp.run { client, _ in
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let own = try await client.send(.get, "/api/v1/performance/scorecard?period=2026-11", token: leader)
            #expect(own.status == .ok)
            #expect(try json(own)["unit"] as? String == "phuong-phu-xuan")
            #expect(try await client.send(.get, "/api/v1/performance/scorecard?unit=so-tai-chinh", token: leader).status == .forbidden)
            let csv = try await client.send(.get, "/api/v1/performance/scorecard.csv?period=2026-11", token: leader)
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(String(buffer: csv.body).hasPrefix("\u{FEFF}code,group,name_vi"))
            #expect(try await client.send(.get, "/api/v1/performance/scorecard.csv?unit=so-tai-chinh", token: leader).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/performance/cases?indicator=766-2.1&unit=so-tai-chinh", token: leader).status == .forbidden)

            let admin = try await client.signIn("admin", "demo-admin-2026").access
            let city = try await client.send(.get, "/api/v1/performance/scorecard?period=2026-Q4", token: admin)
            #expect(city.status == .ok)
            #expect(try json(city)["unit"] == nil)
            #expect((try json(city)["lines"] as? [Any])?.count == 8)
            #expect(try await client.send(.get, "/api/v1/performance/scorecard?unit=so-tai-chinh", token: admin).status == .ok)
            #expect(try await client.send(.get, "/api/v1/performance/scorecard?unit=no-such-unit", token: admin).status == .notFound)
            #expect(try await client.send(.get, "/api/v1/performance/scorecard?period=2026-13", token: admin).status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/performance/cases?indicator=nope", token: admin).status == .badRequest)

            // The city by level: communes and wards, or departments; for those who see the city, never with a unit.
            let communes = try await client.send(.get, "/api/v1/performance/scorecard?period=2026-Q4&level=commune", token: admin)
            #expect(communes.status == .ok)
            #expect(try json(communes)["level"] as? String == "commune")
            #expect(try await client.send(.get, "/api/v1/performance/scorecard?level=department", token: leader).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/performance/scorecard?level=village", token: admin).status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/performance/scorecard?level=commune&unit=so-tai-chinh", token: admin).status == .badRequest)
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            #expect(try await client.send(.get, "/api/v1/performance/field-reports?period=2026-11", token: ioc).status == .ok)
            #expect(try await client.send(.get, "/api/v1/performance/field-reports?unit=so-tai-chinh", token: leader).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/performance/cases?indicator=766-5.2", token: ioc).status == .ok)
            #expect(try await client.send(.get, "/api/v1/performance/what-if", token: leader).status == .ok)
            #expect(try await client.send(.get, "/api/v1/performance/what-if?unit=so-tai-chinh", token: leader).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/performance/what-if", token: admin).status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/performance/what-if?unit=phuong-phu-xuan&limit=0", token: admin).status == .badRequest)
            let officer = try await client.signIn("officer", "demo-officer-2026").access
            #expect(try await client.send(.get, "/api/v1/performance/scorecard", token: officer).status == .forbidden)
        }
    }

    @Test func onlyAdminsEnterTheFiguresKeptOutsideAndTheScorecardShowsThem() async throws {
        try await TestApp.run { client, _ in
            let admin = try await client.signIn("admin", "demo-admin-2026").access
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let figure = #"{"unit":"phuong-phu-xuan","period":"2026-11","indicator":"766-4","numerator":45,"denominator":50,"source":"Báo cáo số hóa tháng 11"}"#
            #expect(try await client.send(.put, "/api/v1/performance/outside-figures", token: leader, json: figure).status == .forbidden)
            let entered = try await client.send(.put, "/api/v1/performance/outside-figures", token: admin, json: figure)
            #expect(entered.status == .ok, "\(String(buffer: entered.body))")
            let card = try json(try await client.send(.get, "/api/v1/performance/scorecard?period=2026-11", token: leader))
            let line = try #require((card["lines"] as? [[String: Any]])?.first { ($0["indicator"] as? [String: Any])?["code"] as? String == "766-4" })
            #expect(line["numerator"] as? Int == 45 && line["points"] as? Double != nil && (line["enteredFrom"] as? [String])?.count == 1)
            let listed = try json(try await client.send(.get, "/api/v1/performance/outside-figures?period=2026-11", token: leader))
            #expect((listed["figures"] as? [Any])?.count == 1)
            // Only indicators kept outside; never more than the whole; only the city's units.
            for bad in [figure.replacingOccurrences(of: "766-4", with: "766-2.1"), figure.replacingOccurrences(of: #""numerator":45"#, with: #""numerator":51"#),
                        figure.replacingOccurrences(of: "phuong-phu-xuan", with: "no-such-unit")] {
                #expect(try await client.send(.put, "/api/v1/performance/outside-figures", token: admin, json: bad).status == .badRequest, "\(bad)")
            }
        }
    }

    /// A file of figures from the national registers: kept whole when every line is right, refused whole (with every
    /// line's reason, nothing kept) when one is not; sent twice it changes nothing; admins only.
    @Test func aFileOfFiguresKeptOutsideIsKeptWholeOrNotAtAll() async throws {
        try await TestApp.run { client, _ in
            let admin = try await client.signIn("admin", "demo-admin-2026").access
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            func upload(_ file: String, token: String, query: String = "?period=2026-11") async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/performance/outside-figures/import" + query, method: .post,
                                         headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: ByteBuffer(string: file)) { $0 }
            }
            let good = "\u{FEFF}unit,indicator,numerator,denominator,source\r\n"
                + "phuong-phu-xuan,766-1,45,50,\"Cổng DVC quốc gia, 30/11/2026\"\r\n"
                + "phuong-phu-xuan,766-4,30,40,Kho dữ liệu số hóa\r\n\r\n"
                + "phuong-an-cuu,766-1,10,40,\"Cổng DVC quốc gia, 30/11/2026\"\r\n"
            let bad = good + "phuong-an-cuu,766-4,41,40,Kho dữ liệu số hóa\nphuong-an-cuu,766-2.1,1,2,tính tay\nphuong-phu-xuan,766-1,1,2,again\n"
            #expect(try await upload(good, token: leader).status == .forbidden)
            let refused = try await upload(bad, token: admin)
            #expect(refused.status == .badRequest)
            let reasons = try json(refused)["errors"] as? [[String: Any]] ?? []
            let fields = reasons.compactMap { $0["field"] as? String }
            #expect(fields.contains("line 6: numerator") && fields.contains("line 7: indicator") && fields.contains("line 8"), "\(fields)")
            let none = try json(try await client.send(.get, "/api/v1/performance/outside-figures?period=2026-11", token: admin))
            #expect((none["figures"] as? [Any])?.isEmpty == true, "a refused file keeps nothing")

            for (saved, unchanged) in [(3, 0), (0, 3)] {
                let kept = try await upload(good, token: admin)
                #expect(kept.status == .ok, "\(String(buffer: kept.body))")
                #expect(try json(kept)["saved"] as? Int == saved && json(kept)["unchanged"] as? Int == unchanged)
            }
            let listed = try json(try await client.send(.get, "/api/v1/performance/outside-figures?period=2026-11", token: admin))
            #expect((listed["figures"] as? [[String: Any]])?.count == 3, "sent twice, still three figures")
            // The city adds its units up: 55 of 90 for 766-1.
            let card = try json(try await client.send(.get, "/api/v1/performance/scorecard?period=2026-11", token: admin))
            let line = try #require((card["lines"] as? [[String: Any]])?.first { ($0["indicator"] as? [String: Any])?["code"] as? String == "766-1" })
            #expect(line["numerator"] as? Int == 55 && line["denominator"] as? Int == 90)
            // A header without its columns, a file without a period, a body that is not CSV.
            #expect(try await upload("unit,indicator\n", token: admin).status == .badRequest)
            #expect(try await upload(good, token: admin, query: "").status == .badRequest)
            let notCSV = try await client.send(.post, "/api/v1/performance/outside-figures/import?period=2026-11", token: admin, json: "{}")
            #expect(notCSV.status == .unsupportedMediaType)
        }
    }

    /// The month's report leaves as a PDF sealed by the unit that issues it, and /verify says so.
    @Test func theReportIsAPDFSealedByTheIssuingUnit() async throws {
        try await TestApp.run { client, _ in
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let response = try await client.send(.get, "/api/v1/performance/report.pdf?period=2026-11", token: leader)
            #expect(response.status == .ok && response.headers[.contentType] == "application/pdf")
            let pdf = Data(buffer: response.body)
            let text = try await pdfText(pdf)
            #expect(text.contains("Báo cáo kết quả Bộ chỉ số 766") && text.contains("Phường Phú Xuân") && text.contains("766-2.1"))
            #expect(text.contains("Xếp loại cán bộ") && text.contains("Tỷ lệ điểm đạt được theo tháng") && text.contains("06/2026"))
            var form = MultipartBody()
            form.file("document", "report.pdf", "application/pdf", pdf)
            let verified = try await client.execute(uri: "/api/v1/signatures/verify", method: .post, headers: [.contentType: form.contentType],
                                                    body: ByteBuffer(data: form.finished)) { try JSONDecoder().decode([String: AnyCodable].self, from: Data(buffer: $0.body)) }
            #expect(verified["verdict"]?.string == "valid", "\(verified)")
            #expect(verified["signer"]?["commonName"]?.string == "Phường Phú Xuân", "\(verified)")

            let admin = try await client.signIn("admin", "demo-admin-2026").access
            let city = try await client.send(.get, "/api/v1/performance/report.pdf?period=2026-11&lang=en", token: admin)
            #expect(city.status == .ok)
            #expect(try await pdfText(Data(buffer: city.body)).contains("Units ranked by share"))
            #expect(try await client.send(.get, "/api/v1/performance/report.pdf?unit=so-tai-chinh", token: leader).status == .forbidden)
            #expect(try await client.send(.get, "/api/v1/performance/report.pdf", token: try await client.token("officer")).status == .forbidden)
        }
    }

    /// A movement opened, a ward's initiative registered by its leader, assessed by the council, awarded, and published.
    @Test func anInitiativeGoesFromRegistrationToAPublishedAward() async throws {
        try await TestApp.run { client, _ in
            let admin = try await client.signIn("admin", "demo-admin-2026").access
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let movement = #"{"code":"chuyen-doi-so-2025","name":"Thi đua chuyển đổi số 2025","period":"2025","dataWeight":0.6}"#
            #expect(try await client.send(.post, "/api/v1/emulation/movements", token: leader, json: movement).status == .forbidden)
            #expect(try await client.send(.post, "/api/v1/emulation/movements", token: admin, json: movement).status == .created)
            #expect(try await client.send(.post, "/api/v1/emulation/movements", token: admin, json: movement).status == .conflict)
            let path = "/api/v1/emulation/movements/chuyen-doi-so-2025/initiatives"
            let ours = #"{"unit":"phuong-phu-xuan","title":"Phản ánh hiện trường xử lý trong ngày","description":"Tổ phản ứng nhanh của phường"}"#
            #expect(try await client.send(.post, path, token: leader, json: ours.replacingOccurrences(of: "phuong-phu-xuan", with: "so-tai-chinh")).status == .forbidden)
            let registered = try await client.send(.post, path, token: leader, json: ours)
            #expect(registered.status == .created, "\(String(buffer: registered.body))")
            #expect(try await client.send(.post, path, token: leader, json: ours).status == .conflict)
            let id = try #require(try json(registered)["id"] as? String)
            let award = #"{"title":"Tập thể lao động tiên tiến","decision":"123/QĐ-UBND"}"#
            #expect(try await client.send(.post, "/api/v1/emulation/initiatives/\(id)/award", token: admin, json: award).status == .unprocessableContent)
            #expect(try await client.send(.put, "/api/v1/emulation/initiatives/\(id)/assessment", token: leader, json: #"{"points":100}"#).status == .forbidden)
            #expect(try await client.send(.put, "/api/v1/emulation/initiatives/\(id)/assessment", token: admin, json: #"{"points":101}"#).status == .badRequest)
            let assessed = try json(try await client.send(.put, "/api/v1/emulation/initiatives/\(id)/assessment", token: admin, json: #"{"points":80}"#))
            #expect((assessed["evaluation"] as? [String: Any])?["councilPoints"] as? Double == 80)
            #expect(try await client.send(.post, "/api/v1/emulation/initiatives/\(id)/award", token: admin, json: award).status == .created)
            #expect(try await client.send(.put, "/api/v1/emulation/initiatives/\(id)/assessment", token: admin, json: #"{"points":90}"#).status == .conflict)
            // Published: anyone reads the award with the figures it was decided on.
            let awards = try #require(try JSONSerialization.jsonObject(with: Data(buffer: try await client.send(.get, "/api/v1/emulation/awards").body)) as? [[String: Any]])
            let given = try #require(awards.first?["award"] as? [String: Any])
            #expect(awards.count == 1 && given["title"] as? String == "Tập thể lao động tiên tiến" && given["councilPoints"] as? Double == 80)
            #expect(try await client.send(.get, "/api/v1/emulation/movements").status == .ok)
            let page = String(buffer: try await client.send(.get, "/emulation").body)
            #expect(page.contains("Thi đua chuyển đổi số 2025") && page.contains("Tập thể lao động tiên tiến (123/QĐ-UBND)"))
            // A movement still running cannot be awarded: its figures are not final.
            let running = movement.replacingOccurrences(of: "2025", with: "2026")
            #expect(try await client.send(.post, "/api/v1/emulation/movements", token: admin, json: running).status == .created)
            let current = try json(try await client.send(.post, "/api/v1/emulation/movements/chuyen-doi-so-2026/initiatives", token: leader, json: ours))
            let currentID = try #require(current["id"] as? String)
            #expect(try await client.send(.put, "/api/v1/emulation/initiatives/\(currentID)/assessment", token: admin, json: #"{"points":70}"#).status == .ok)
            #expect(try await client.send(.post, "/api/v1/emulation/initiatives/\(currentID)/award", token: admin, json: award).status == .unprocessableContent)
            #expect(try await client.send(.put, "/api/v1/emulation/initiatives/not-a-uuid/assessment", token: admin, json: #"{"points":1}"#).status == .notFound)
        }
    }
}
