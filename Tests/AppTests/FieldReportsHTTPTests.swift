import App
import FieldReports
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import NIOCore
import Platform
import Testing
import Workflow

/// Points in Phường Phú Xuân (the Citadel) and offsets from them in metres.
enum Place {
    static let citadel = (latitude: 16.4740, longitude: 107.5750)
    static func north(of point: (latitude: Double, longitude: Double), metres: Double) -> (latitude: Double, longitude: Double) {
        (point.latitude + metres / 111_195, point.longitude)
    }
}

func fieldReport(_ category: String = "road-damage", at point: (latitude: Double, longitude: Double)? = Place.citadel, description: String = "Ổ gà lớn giữa đường, xe máy dễ ngã",
                 answers: String = #"{"size":"large"}"#, photos: [Data] = [], extra: String = "") -> String {
    let location = point.map { #""latitude":\#($0.latitude),"longitude":\#($0.longitude),"# } ?? ""
    let photoList = photos.map { "\"\($0.base64EncodedString())\"" }.joined(separator: ",")
    return #"{"category":"\#(category)",\#(location)"description":"\#(description)","answers":\#(answers),"photos":[\#(photoList)]\#(extra)}"#
}

extension TestClientProtocol {
    func report(_ response: TestResponse) throws -> FieldReportView { try json(FieldReportView.self, response) }

    func fileReport(_ body: String, token: String, key: String? = nil) async throws -> TestResponse {
        try await send(.post, "/api/v1/field-reports", token: token, json: body, headers: key.map { [HTTPField.Name("Idempotency-Key")!: $0] } ?? [:])
    }

    func reportAction(_ code: String, _ action: String, token: String, _ body: String = "{}") async throws -> TestResponse {
        try await send(.post, "/api/v1/field-reports/\(code)/actions/\(action)", token: token, json: body)
    }
}

struct FieldReportsHTTPTests {
    @Test func aReportGoesFromFilingThroughVerificationAndHandlingToARating() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.token("citizen")
            let filed = try await client.fileReport(fieldReport(photos: [ImageFixtures.jpeg()]), token: citizen)
            #expect(filed.status == .created, "\(String(buffer: filed.body))")
            let report = try client.report(filed)
            #expect(report.state == "submitted" && report.status == "open" && report.unit == "hue-ioc")
            #expect(report.code.hasPrefix("PA-"))
            #expect(report.answers == ["size": ["large"]])
            #expect(report.reporter?.name == "Nguyễn Thị Hoa")

            // The public sees the report and its photo, without the reporter and without the photo's metadata.
            let anonymous = try client.report(try await client.send(.get, "/api/v1/field-reports/\(report.code)"))
            #expect(anonymous.reporter == nil)
            let photo = try await client.send(.get, try #require(anonymous.photos.first?.url))
            #expect(photo.status == .ok && photo.headers[.contentType] == "image/jpeg")
            #expect(Data(buffer: photo.body).range(of: Data("Nguyen Thi Hoa".utf8)) == nil)
            let business = try await client.token("business")
            #expect(try client.report(try await client.send(.get, "/api/v1/field-reports/\(report.code)", token: business)).reporter == nil)

            // The operations centre verifies it; routing by the point sends it to the ward.
            let ioc = try await client.token("ioc")
            let queue = try client.json([FieldReportSummary].self, try await client.send(.get, "/api/v1/field-reports/verification-queue", token: ioc))
            #expect(queue.map(\.code).contains(report.code))
            #expect(try client.report(try await client.send(.get, "/api/v1/field-reports/\(report.code)", token: ioc)).reporter?.name == "Nguyễn Thị Hoa")
            #expect(try await client.reportAction(report.code, "accept", token: citizen).status == .forbidden)
            let accepted = try client.report(try await client.reportAction(report.code, "accept", token: ioc))
            #expect(accepted.state == "in-progress" && accepted.unit == "phuong-phu-xuan")
            let due = try #require(accepted.dueAt)
            #expect(due > Date())
            #expect(accepted.updates.last?.description.contains("Phường Phú Xuân") == true)

            // The ward's officer takes it and reports the result with a photo.
            let officer = try await client.token("officer")
            let wardQueue = try client.json([FieldReportSummary].self,
                                            try await client.send(.get, "/api/v1/units/phuong-phu-xuan/field-report-queue?filter=unassigned", token: officer))
            #expect(wardQueue.map(\.code) == [report.code])
            let finance = try await client.token("finance")
            #expect(try await client.send(.get, "/api/v1/units/phuong-phu-xuan/field-report-queue", token: finance).status == .forbidden)
            #expect(try await client.reportAction(report.code, "resolve", token: finance, #"{"note":"x"}"#).status == .forbidden)
            _ = try await client.reportAction(report.code, "claim", token: officer)
            let missingNote = try await client.reportAction(report.code, "resolve", token: officer)
            #expect(missingNote.status == .unprocessableContent)
            let resolved = try client.report(try await client.reportAction(
                report.code, "resolve", token: officer, #"{"note":"Đã vá ổ gà bằng bê tông nhựa.","photos":["\#(ImageFixtures.png().base64EncodedString())"]}"#))
            #expect(resolved.state == "resolved" && resolved.status == "closed" && resolved.onTime == true)
            #expect(resolved.result == "Đã vá ổ gà bằng bê tông nhựa.")
            #expect(resolved.photos.map(\.purpose).sorted() == ["report", "result"])

            // The reporter hears about it, sees the result, and rates it; rating closes the case.
            let inbox = String(buffer: try await client.send(.get, "/api/v1/notices", token: citizen).body)
            #expect(inbox.contains(report.code))
            let mine = try client.report(try await client.send(.get, "/api/v1/field-reports/\(report.code)", token: citizen))
            #expect(mine.actions.contains("rate") && mine.actions.contains("reopen"))
            #expect(try await client.send(.post, "/api/v1/field-reports/\(report.code)/rating", token: citizen, json: #"{"stars":6}"#).status == .unprocessableContent)
            #expect(try await client.send(.post, "/api/v1/field-reports/\(report.code)/rating", token: business, json: #"{"stars":5}"#).status == .forbidden)
            let rated = try client.report(try await client.send(.post, "/api/v1/field-reports/\(report.code)/rating", token: citizen,
                                                               json: #"{"stars":5,"comment":"Nhanh"}"#))
            #expect(rated.state == "closed" && rated.rating == 5)
            #expect(try await client.send(.post, "/api/v1/field-reports/\(report.code)/rating", token: citizen, json: #"{"stars":4}"#).status == .conflict)

            // The ward's public figures count it.
            let figures = try client.json(AnyCodable.self, try await client.send(.get, "/api/v1/field-reports/figures"))
            let ward = try #require(figures["units"]?.array?.first { $0["unit"]?.string == "phuong-phu-xuan" })
            #expect(ward["received"]?.int == 1 && ward["onTime"]?.int == 1 && ward["overdue"]?.int == 0 && ward["resolved"]?.int == 1)
            #expect(ward["satisfaction"]?.int == 5 && ward["ratings"]?.int == 1)
            let events = try await EventLog.read(after: 0, limit: 1000, on: try runtime.database.db(logger: Logger(label: "test")))
            #expect(events.contains { $0.type == "field-report.filed" && $0.subject == "field-report:\(report.code)" })
        }
    }

    @Test func badReportsGetClearErrorsAndARetryIsStoredOnce() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            func problem(_ body: String) async throws -> (HTTPResponse.Status, String) {
                let response = try await client.fileReport(body, token: citizen)
                #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                return (response.status, String(buffer: response.body))
            }
            let unknown = try await problem(fieldReport("unicorns"))
            #expect(unknown.0 == .unprocessableContent && unknown.1.contains("unicorns"))
            let nowhere = try await problem(fieldReport(at: nil))
            #expect(nowhere.0 == .unprocessableContent && nowhere.1.contains("location"))
            let danang = try await problem(fieldReport(at: (16.0544, 108.2022)))
            #expect(danang.0 == .unprocessableContent && danang.1.contains("outside the city"))
            let long = try await problem(fieldReport(description: String(repeating: "a", count: 4001)))
            #expect(long.0 == .unprocessableContent && long.1.contains("4000"))
            let pdf = try await problem(fieldReport(photos: [Data("%PDF-1.7 hello".utf8)]))
            #expect(pdf.0 == .unprocessableContent && pdf.1.contains("photos[0]"))
            let tooMany = try await problem(fieldReport(photos: Array(repeating: ImageFixtures.png(), count: 4)))
            #expect(tooMany.0 == .unprocessableContent && tooMany.1.contains("at most 3"))
            let badAnswer = try await problem(fieldReport(answers: #"{"size":"enormous","colour":"red"}"#))
            #expect(badAnswer.1.contains("enormous") && badAnswer.1.contains("colour"))
            let missingAnswer = try await problem(fieldReport("flooding", answers: "{}"))
            #expect(missingAnswer.1.contains("answers.depth_cm"))
            let notAnonymous = try await problem(fieldReport(extra: #","anonymous":true"#))
            #expect(notAnonymous.1.contains("anonymous"))
            let halfPoint = try await client.fileReport(#"{"category":"garbage","latitude":16.47,"description":"Rác"}"#, token: citizen)
            #expect(halfPoint.status == .unprocessableContent)
            #expect(try await client.fileReport("{not json", token: citizen).status == .badRequest)
            #expect(try await client.send(.post, "/api/v1/field-reports", json: fieldReport()).status == .unauthorized)
            #expect(try await client.fileReport(fieldReport(), token: try await client.token("officer")).status == .forbidden)

            // The photo's GPS stands in for a missing location.
            let byPhoto = try client.report(try await client.fileReport(fieldReport("garbage", at: nil, answers: "{}", photos: [ImageFixtures.jpeg()]),
                                                                        token: citizen))
            #expect(byPhoto.latitude.map { abs($0 - 16.4637) < 0.0001 } == true)

            // A client that retries with its key files once; the same key with another report is refused.
            let first = try await client.fileReport(fieldReport("noise", answers: "{}"), token: citizen, key: "app-7f3a")
            let again = try await client.fileReport(fieldReport("noise", answers: "{}"), token: citizen, key: "app-7f3a")
            #expect(first.status == .created && again.status == .ok)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try client.report(first).code == client.report(again).code)
            #expect(try await client.fileReport(fieldReport("garbage", answers: "{}"), token: citizen, key: "app-7f3a").status == .conflict)
            let mine = try client.json([FieldReportSummary].self, try await client.send(.get, "/api/v1/field-reports/mine", token: citizen))
            #expect(mine.count == 2)  // the one located by its photo, and the retried one once
        }
    }

    @Test func onePersonCannotFloodTheQueue() async throws {
        try await TestApp.run { client, _ in
            let business = try await client.token("business")
            for index in 0..<10 {
                let filed = try await client.fileReport(fieldReport("garbage", at: Place.north(of: Place.citadel, metres: Double(index) * 100), answers: "{}"),
                                                        token: business)
                #expect(filed.status == .created)
            }
            let flooded = try await client.fileReport(fieldReport("garbage", at: Place.north(of: Place.citadel, metres: 1200), answers: "{}"), token: business)
            #expect(flooded.status == .tooManyRequests && flooded.headers[.retryAfter] != nil)
            // Someone else is not affected.
            #expect(try await client.fileReport(fieldReport("noise", answers: "{}"), token: try await client.token("citizen")).status == .created)
        }
    }

    @Test func privateCategoriesAndReporterNamesStayWithOperatorsAndTheHandlingUnit() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            let tip = try client.report(try await client.fileReport(
                fieldReport("food-safety", answers: #"{"business_name":"Quán bún bò X"}"#, extra: #","anonymous":true"#), token: citizen))
            #expect(try await client.send(.get, "/api/v1/field-reports/\(tip.code)").status == .notFound)
            #expect(try await client.send(.get, "/api/v1/field-reports/\(tip.code)", token: try await client.token("business")).status == .notFound)
            let list = try client.json([FieldReportSummary].self, try await client.send(.get, "/api/v1/field-reports"))
            #expect(!list.contains { $0.code == tip.code })
            let open311 = String(buffer: try await client.send(.get, "/open311/v2/requests.json").body)
            #expect(!open311.contains(tip.code))
            #expect(try await client.send(.get, "/api/v1/field-reports/\(tip.code)", token: citizen).status == .ok)
            let ioc = try await client.token("ioc")
            let accepted = try client.report(try await client.reportAction(tip.code, "accept", token: ioc))
            #expect(accepted.unit == "so-y-te")  // the category's own unit, whatever the point
            let mine = try client.json([FieldReportSummary].self, try await client.send(.get, "/api/v1/field-reports/mine", token: citizen))
            #expect(mine.map(\.code) == [tip.code])
        }
    }

    @Test func nearbyReportsAreSuggestedClusteredAndMergedAndPeopleSupportThem() async throws {
        try await TestApp.run { client, _ in
            let citizen = try await client.token("citizen")
            let business = try await client.token("business")
            let first = try client.report(try await client.fileReport(fieldReport(), token: citizen))
            let nearby = try client.json([NearbyReport].self, try await client.send(
                .get, "/api/v1/field-reports/nearby?category=road-damage&lat=\(Place.north(of: Place.citadel, metres: 70).latitude)&lon=\(Place.citadel.longitude)"))
            #expect(nearby.map(\.code) == [first.code])
            #expect(nearby.first.map { (69...71).contains($0.distanceMeters) } == true)
            let far = try client.json([NearbyReport].self, try await client.send(
                .get, "/api/v1/field-reports/nearby?category=road-damage&lat=\(Place.north(of: Place.citadel, metres: 90).latitude)&lon=\(Place.citadel.longitude)"))
            #expect(far.isEmpty)  // the category's duplicate radius is 80 m
            let otherKind = try client.json([NearbyReport].self, try await client.send(
                .get, "/api/v1/field-reports/nearby?category=garbage&lat=\(Place.citadel.latitude)&lon=\(Place.citadel.longitude)"))
            #expect(otherKind.isEmpty)

            // Ten metres away and an hour later: the same pothole, folded into the first case.
            let twin = try client.report(try await client.fileReport(fieldReport(at: Place.north(of: Place.citadel, metres: 10)), token: business))
            #expect(twin.caseCode == first.code && twin.state == "submitted")
            #expect(try await client.reportAction(twin.code, "accept", token: try await client.token("ioc")).status == .conflict)

            // Sixty metres away is a report of its own, which an operator merges.
            let ioc = try await client.token("ioc")
            let third = try client.report(try await client.fileReport(fieldReport(at: Place.north(of: Place.citadel, metres: 60)), token: business))
            #expect(third.caseCode == nil)
            #expect(try await client.reportAction(third.code, "merge", token: ioc, #"{"into":"PA-000000-NOPE"}"#).status == .unprocessableContent)
            let merged = try client.report(try await client.reportAction(third.code, "merge", token: ioc, #"{"into":"\#(first.code)"}"#))
            #expect(merged.state == "merged" && merged.caseCode == first.code && merged.status == "closed")
            let head = try client.report(try await client.send(.get, "/api/v1/field-reports/\(first.code)"))
            #expect(Set(head.members) == [twin.code, third.code])

            // "Me too": once per person, never on one's own report.
            let supported = try client.report(try await client.send(.post, "/api/v1/field-reports/\(first.code)/supports", token: business))
            #expect(supported.supports == 1)
            #expect(try await client.send(.post, "/api/v1/field-reports/\(first.code)/supports", token: business).status == .conflict)
            #expect(try await client.send(.post, "/api/v1/field-reports/\(first.code)/supports", token: citizen).status == .conflict)

            // The case moves and its followers move with it.
            _ = try await client.reportAction(first.code, "accept", token: ioc)
            let follower = try client.report(try await client.send(.get, "/api/v1/field-reports/\(twin.code)"))
            #expect(follower.state == "in-progress" && follower.unit == "phuong-phu-xuan")
            #expect(try client.report(try await client.send(.get, "/api/v1/field-reports/\(third.code)")).state == "merged")
        }
    }

    @Test func transferReopenTheWindowAndEscalation() async throws {
        try await TestApp.run { client, runtime in
            let logger = Logger(label: "test")
            let service = try runtime.require(FieldReportsModule.self).reports
            let citizen = try await client.token("citizen")
            let ioc = try await client.token("ioc")
            let officer = try await client.token("officer")
            let report = try client.report(try await client.fileReport(fieldReport("garbage", answers: "{}"), token: citizen))
            _ = try await client.reportAction(report.code, "accept", token: ioc)

            // Wrong unit: the ward hands it to the finance department; the ward can no longer act on it.
            #expect(try await client.reportAction(report.code, "transfer", token: officer, #"{"unit":"so-tai-chinh"}"#).status == .unprocessableContent)
            #expect(try await client.reportAction(report.code, "transfer", token: officer, #"{"unit":"nowhere","reason":"x"}"#).status == .unprocessableContent)
            let moved = try client.report(try await client.reportAction(report.code, "transfer", token: officer,
                                                                        #"{"unit":"so-tai-chinh","reason":"Thuộc khu đất do Sở quản lý"}"#))
            #expect(moved.unit == "so-tai-chinh")
            #expect(try await client.reportAction(report.code, "resolve", token: officer, #"{"note":"x"}"#).status == .forbidden)
            let finance = try await client.token("finance")
            _ = try await client.reportAction(report.code, "resolve", token: finance, #"{"note":"Đã thu gom."}"#)

            // Not fixed: the reporter reopens within the window and a fresh deadline runs.
            let reopened = try client.report(try await client.reportAction(report.code, "reopen", token: citizen, #"{"reason":"Rác vẫn còn"}"#))
            #expect(reopened.state == "in-progress" && reopened.onTime == nil && reopened.unit == "so-tai-chinh")
            #expect(reopened.updates.contains { $0.state == "reopened" })
            _ = try await client.reportAction(report.code, "resolve", token: finance, #"{"note":"Đã thu gom hết."}"#)

            // After the window the reporter can no longer reopen, and the sweep closes it.
            let later = Date().addingTimeInterval(8 * 86_400)
            let viewer = ReportViewer(accountID: reopened.reporter?.accountID, name: "Hoa", grants: [RoleGrant(role: .citizen)])
            await #expect(throws: Problem.self) {
                _ = try await service.takeAction("reopen", on: report.code, with: ReportAction(reason: "Vẫn còn"), by: viewer, at: later, logger: logger)
            }
            #expect(try await service.closeSettled(at: Date(), logger: logger) == 0)
            #expect(try await service.closeSettled(at: later, logger: logger) == 1)
            #expect(try client.report(try await client.send(.get, "/api/v1/field-reports/\(report.code)")).state == "closed")

            // An overdue report goes to the ward's leader, then to the city.
            let late = try client.report(try await client.fileReport(fieldReport(at: Place.north(of: Place.citadel, metres: 500)), token: citizen))
            _ = try await client.reportAction(late.code, "accept", token: ioc)
            let escalated = try await #require(try runtime.require(WorkflowModule.self).escalation).run(at: Date().addingTimeInterval(30 * 86_400), logger: logger)
            #expect(escalated.contains { $0.subject == "field-report:\(late.code)" && $0.level == 1 })
            let inbox = String(buffer: try await client.send(.get, "/api/v1/notices", token: try await client.token("leader")).body)
            #expect(inbox.contains(late.code))
            let overdue = try client.json([FieldReportSummary].self, try await client.send(
                .get, "/api/v1/units/phuong-phu-xuan/field-report-queue?filter=overdue", token: officer))
            #expect(overdue.isEmpty)  // not yet overdue today
        }
    }
}
