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

struct FieldReportsPageTests {
    let pages = PublicServicesPageTests()

    @Test func aCitizenFilesFromTheFormAndEveryoneFollowsItOnThePublicPages() async throws {
        try await TestApp.run { client, _ in
            let publicPage = try await pages.get(client, "/reports")
            #expect(publicPage.status == .ok)
            let html = body(publicPage)
            // The map is Leaflet fed by the map feed (scripts/test installs it; ReportMapTests covers the SVG fallback).
            #expect(html.contains("id=\"report-map\"") && html.contains("/static/report-map.js") && html.contains("id=\"figures\""))

            let citizen = try await browserSession(client, "citizen")
            let chooser = body(try await pages.get(client, "/reports/new", session: citizen))
            #expect(chooser.contains("/reports/new?category=road-damage"))
            let formPage = body(try await pages.get(client, "/reports/new?category=road-damage", session: citizen))
            let csrf = try #require(hiddenCSRF(in: formPage))
            #expect(formPage.contains("name=\"answer.size\"") && formPage.contains("/static/report-form.js"))

            var form = MultipartBody()
            form.field("_csrf", csrf)
            form.field("category", "road-damage")
            form.field("description", "Sụt lún mặt đường Lê Duẩn")
            form.field("latitude", "16,4741")  // a Vietnamese keyboard's decimal comma
            form.field("longitude", "107.5752")
            form.field("draft", "draft-1")
            var missing = form
            missing.file("photos", "photo.jpg", "image/jpeg", ImageFixtures.jpeg())
            let refused = try await pages.post(client, "/reports/new", missing, session: citizen)
            #expect(refused.status == .unprocessableContent)
            #expect(body(refused).contains("Sụt lún mặt đường Lê Duẩn"))  // what they typed is still there
            form.field("answer.size", "medium")
            form.file("photos", "photo.jpg", "image/jpeg", ImageFixtures.jpeg())
            let filed = try await pages.post(client, "/reports/new", form, session: citizen)
            #expect(filed.status == .seeOther)
            let location = try #require(filed.headers[.location])
            #expect(location.hasPrefix("/reports/PA-"))
            // Sent twice (a double click): the same report.
            #expect(try await pages.post(client, "/reports/new", form, session: citizen).headers[.location] == location)
            // A form kept offline for someone else on a shared phone is refused, not filed under this person.
            #expect(formPage.contains(#"name="reporter" value="citizen""#))
            var someoneElses = form
            someoneElses.field("reporter", "business")
            someoneElses.field("draft", "draft-2")
            #expect(try await pages.post(client, "/reports/new", someoneElses, session: citizen).status == .conflict)

            let reportPage = body(try await pages.get(client, location))
            #expect(reportPage.contains("Sụt lún mặt đường Lê Duẩn") && reportPage.contains("<img src=\"/api/v1/field-reports/"))
            #expect(!reportPage.contains("Nguyễn Thị Hoa") && !reportPage.contains("id=\"report-reporter\""))  // the public never sees who reported
            #expect(!reportPage.contains("id=\"action-error\"") && !reportPage.contains("id=\"report-result\""))
            #expect(body(try await pages.get(client, "/reports/mine", session: citizen)).contains(String(location.dropFirst(9))))

            // The operator verifies from the console and the report page.
            let ioc = try await browserSession(client, "ioc")
            let console = body(try await pages.get(client, "/ioc/reports", session: ioc))
            #expect(console.contains(String(location.dropFirst(9))) && console.contains("<svg"))
            let operatorView = body(try await pages.get(client, location, session: ioc))
            #expect(operatorView.contains("Nguyễn Thị Hoa") && operatorView.contains("id=\"action-accept\""))
            var accept = MultipartBody()
            accept.field("_csrf", try #require(hiddenCSRF(in: operatorView)))
            accept.field("unit", "")
            let accepted = try await pages.post(client, "\(location)/act/accept", accept, session: ioc)
            #expect(accepted.status == .seeOther && accepted.headers[.location] == location)

            // The ward sees it on its console and reports the result.
            let officer = try await browserSession(client, "officer")
            let unitConsole = body(try await pages.get(client, "/unit/reports?filter=unassigned", session: officer))
            #expect(unitConsole.contains(String(location.dropFirst(9))))
            let officerView = body(try await pages.get(client, location, session: officer))
            var resolve = MultipartBody()
            resolve.field("_csrf", try #require(hiddenCSRF(in: officerView)))
            resolve.field("note", "Đã thảm lại mặt đường.")
            resolve.file("photos", "after.png", "image/png", ImageFixtures.png())
            #expect(try await pages.post(client, "\(location)/act/resolve", resolve, session: officer).status == .seeOther)
            var empty = MultipartBody()
            empty.field("_csrf", try #require(hiddenCSRF(in: officerView)))
            let refusedAgain = try await pages.post(client, "\(location)/act/resolve", empty, session: officer)
            #expect(refusedAgain.headers[.location]?.contains("error=") == true)

            // The citizen rates it from the page.
            let resolvedPage = body(try await pages.get(client, location, session: citizen))
            #expect(resolvedPage.contains("Đã thảm lại mặt đường.") && resolvedPage.contains("id=\"rate-form\""))
            let rated = try await client.execute(uri: "\(location)/rate", method: .post,
                                                 headers: [.cookie: "hues_session=\(citizen)", .contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "_csrf=\(try #require(hiddenCSRF(in: resolvedPage)))&stars=4&comment=OK")) { $0 }
            #expect(rated.status == .seeOther)
            #expect(body(try await pages.get(client, location)).contains("4/5"))
            #expect(try await pages.get(client, "/ioc/reports", session: citizen).status == .forbidden)
            #expect(try await pages.get(client, "/reports/new").status == .seeOther)  // to the login page
        }
    }
}
