import App
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Operations
import Platform
import Testing

/// The operations centre's live figures: kept from the event log by what each module declares, read over
/// `/api/v1/operations/indicators`, announced on the live stream, and moved by the clock where deadlines pass.
@Suite struct LiveFiguresHTTPTests {
    func figures(_ client: some TestClientProtocol, token: String? = nil) async throws -> [String: [String: Any]] {
        let response = try await client.send(.get, "/api/v1/operations/indicators", token: token)
        #expect(response.status == .ok)
        let board = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        let list = try #require(board["figures"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.compactMap { figure in (figure["code"] as? String).map { ($0, figure) } })
    }

    func number(_ figure: [String: Any]?, _ key: String = "value") -> Double? { (figure?[key] as? NSNumber)?.doubleValue }

    func slice(_ figure: [String: Any]?, _ group: String, _ key: String) -> Double? {
        let slices = figure?[group] as? [[String: Any]]
        return (slices?.first { $0["key"] as? String == key }?["part"] as? NSNumber)?.doubleValue
    }

    @Test func aFiledReportMovesTheFiguresAndTheStreamSaysSo() async throws {
        try await TestApp.run { client, runtime in
            let figures = try runtime.require(OperationsModule.self).figures
            let citizen = try await client.signIn("citizen", "demo-citizen-2026").access
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            // The sign-ins counted (by the background round they woke, or this one) before the stream opens.
            try await figures.round(logger: runtime.logger)
            try await Task.sleep(for: .milliseconds(300))
            try await figures.round(logger: runtime.logger)
            let before = try await self.figures(client, token: ioc)
            // Every module's figures are there, each with its name in both languages.
            for code in ["public-services.procedures-online", "public-services.filed-online-today", "public-services.on-time-month",
                         "public-services.satisfaction-month", "field-reports.open", "field-reports.overdue", "payments.cashless-today",
                         "identity.active-accounts-today", "operations.alerts-open"] {
                #expect((before[code]?["name"] as? [String: String])?.keys.sorted() == ["en", "vi"], "\(code)")
            }
            // The demo catalogue's procedures, some fully online.
            let online = try #require(number(before["public-services.procedures-online"]))
            #expect(online > 0 && online < 1)

            let transcript = LiveStreamTests.Transcript()
            let stream = Task {
                var reader: any ResponseBodyWriter = LiveStreamTests.Reader(transcript: transcript)
                do { try await LiveChangeStream.run(changes: runtime.database.changes, topics: [LiveFigureValues.streamTopic], to: &reader) } catch {}
            }
            try await transcript.waitUntilFollowing()
            #expect(try await client.fileReport(fieldReport(), token: citizen).status == .created)
            // No hand here runs the projection: the background round, woken by the filing, does, and the stream says so.
            // (Within moments when the machine is idle; the 30 s bound is for a CI machine running the whole suite on
            // two cores, where a round can fail on a busy database and the next comes ten seconds later.)
            let timeout = Task { try await Task.sleep(for: .seconds(30)); stream.cancel() }
            _ = await stream.result
            timeout.cancel()
            #expect(transcript.text.withLock { $0 }.contains(#"data: {"types":["operations.figures.changed"]}"#))

            // Asked again by a screen of the operations centre (signed in, so never answered from the public cache,
            // which keeps an answer at least two seconds).
            let after = try await self.figures(client, token: ioc)
            #expect(number(after["field-reports.filed-today"]) == (number(before["field-reports.filed-today"]) ?? 0) + 1)
            #expect(number(after["field-reports.open"]) == (number(before["field-reports.open"]) ?? 0) + 1)
            #expect(slice(after["field-reports.open"], "byCategory", "road-damage") == (slice(before["field-reports.open"], "byCategory", "road-damage") ?? 0) + 1)
            // The citizen and the operator signed in today.
            #expect(number(after["identity.active-accounts-today"]) == 2)

            // Anyone may read the board, but what people paid and how satisfied they were, unit by unit, is for
            // staff: an anonymous reader gets those figures' totals only.
            let anonymous = try await self.figures(client)
            for code in ["payments.cashless-today", "payments.cashless-amount-today", "public-services.satisfaction-month",
                         "field-reports.satisfaction-month", "operations.alerts-open"] {
                #expect(number(anonymous[code]) == number(after[code]), "\(code)")
                #expect((anonymous[code]?["byUnit"] as? [Any])?.isEmpty == true && (anonymous[code]?["byCategory"] as? [Any])?.isEmpty == true, "\(code)")
            }
            #expect(slice(anonymous["field-reports.open"], "byCategory", "road-damage") == slice(after["field-reports.open"], "byCategory", "road-damage"))

            // Its series ends with the new value.
            let series = try await client.send(.get, "/api/v1/operations/indicators/field-reports.filed-today/series?resolution=minute")
            let points = try #require((try JSONSerialization.jsonObject(with: Data(buffer: series.body)) as? [String: Any])?["points"] as? [[String: Any]])
            #expect(points.count == 61 && number(points.last, "value") == number(after["field-reports.filed-today"]), "\(points.suffix(3)) \(String(describing: after["field-reports.filed-today"]))")
        }
    }

    @Test func badQuestionsGetClearAnswers() async throws {
        try await TestApp.run { client, _ in
            #expect(try await client.send(.get, "/api/v1/operations/indicators/no-such-figure").status == .notFound)
            #expect(try await client.send(.get, "/api/v1/operations/indicators/no-such-figure/series").status == .notFound)
            let base = "/api/v1/operations/indicators/field-reports.open/series"
            for query in ["resolution=week", "from=yesterday", "from=2026-12-02T10:00:00Z&to=2026-12-01T10:00:00Z",
                          "resolution=minute&from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z", "to=99999-01-01T00:00:00Z"] {
                let response = try await client.send(.get, "\(base)?\(query)")
                #expect(response.status == .badRequest || response.status == .unprocessableContent, "\(query): \(response.status)")
            }
            // What people paid, minute by minute, is for staff: others get it by the hour (and by default).
            let payments = "/api/v1/operations/indicators/payments.cashless-amount-today/series"
            #expect(try await client.send(.get, payments + "?resolution=minute").status == .forbidden)
            #expect(try await client.send(.get, payments + "?resolution=hour").status == .ok)
            #expect(body(try await client.send(.get, payments)).contains(#""resolution":"hour""#))
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            #expect(try await client.send(.get, payments + "?resolution=minute", token: ioc).status == .ok)
            #expect(try await client.send(.get, "\(base)?resolution=day&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z").status == .ok)
        }
    }

    @Test func aDeadlinePassingMakesAReportOverdueWithNoEventAndARebuildAgrees() async throws {
        let clock = TestClock()
        try await TestApp.run(clock: clock) { client, runtime in
            let figures = try runtime.require(OperationsModule.self).figures
            let citizen = try await client.signIn("citizen", "demo-citizen-2026").access
            let filed = try await client.fileReport(fieldReport(), token: citizen)
            // Verified by the operations centre, the report goes to its ward with a deadline.
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            #expect(try await client.reportAction(try client.report(filed).code, "accept", token: ioc).status == .ok)
            try await figures.round(logger: runtime.logger)
            let before = try #require(try await figures.values.value("field-reports.overdue", at: clock.now, logger: runtime.logger))
            let open = try #require(try await figures.values.value("field-reports.open", at: clock.now, logger: runtime.logger))
            // A month on, every report still open is past its deadline.
            clock.advance(by: 30 * 86_400)
            let moved = try await figures.round(logger: runtime.logger)
            #expect(moved.contains("field-reports.overdue"))
            let overdue = try #require(try await figures.values.value("field-reports.overdue", at: clock.now, logger: runtime.logger))
            #expect(overdue.part == open.part && overdue.part > before.part, "\(overdue) \(open)")
            #expect(overdue.byUnit.map(\.part).reduce(0, +) == overdue.part)

            // Read again from the first event, the figures come out the same.
            let now = clock.now
            let kept = try await figures.values.all(at: now, logger: runtime.logger)
            try await figures.projection.rebuild(logger: runtime.logger)
            #expect(try await figures.values.all(at: now, logger: runtime.logger) == kept)
        }
    }

    @Test func aRuleOverAWardsOverdueReportsRaisesAnAlert() async throws {
        let clock = TestClock()
        try await TestApp.run(clock: clock) { client, runtime in
            let operations = try runtime.require(OperationsModule.self)
            let citizen = try await client.signIn("citizen", "demo-citizen-2026").access
            let centre = try await client.signIn("ioc", "demo-ioc-2026").access
            let filed = try await client.fileReport(fieldReport(), token: citizen)
            #expect(try await client.reportAction(try client.report(filed).code, "accept", token: centre).status == .ok)
            // "More than 0 reports overdue in Phú Xuân", over the ward's indicator entity.
            let rule = #"""
                {"code":"phu-xuan-overdue","name":{"vi":"Phú Xuân có phản ánh quá hạn","en":"Overdue reports in Phu Xuan"},"severity":"warning",
                 "entityType":"KeyPerformanceIndicator","entityPrefix":"urn:ngsi-ld:KeyPerformanceIndicator:field-reports.overdue:phuong-phu-xuan",
                 "attribute":"kpiValue","comparison":">","threshold":0,"sustainedMinutes":0,"unit":"phuong-phu-xuan"}
                """#
            #expect(try await client.send(.put, "/api/v1/operations/alert-rules/phu-xuan-overdue", token: centre, json: rule).status == .ok)
            try await operations.figures.round(logger: runtime.logger)
            #expect(try await operations.alerts.evaluate(logger: runtime.logger).raised == 0)

            // Two months on, with no event at all, the report is overdue: the figure moves, then the rule raises.
            clock.advance(by: 60 * 86_400)
            try await operations.figures.round(logger: runtime.logger)
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            let kpi = try await client.send(.get, "/ngsi-ld/v1/entities/urn:ngsi-ld:KeyPerformanceIndicator:field-reports.overdue:phuong-phu-xuan?options=keyValues", token: ioc)
            #expect(kpi.status == .ok && body(kpi).contains(#""kpiValue":1"#), "\(body(kpi))")
            // (The background round, woken by the indicator's write, may have raised it already.)
            _ = try await operations.alerts.evaluate(logger: runtime.logger)
            let alerts = body(try await client.send(.get, "/api/v1/operations/alerts?state=open", token: ioc))
            #expect(alerts.components(separatedBy: "phu-xuan-overdue").count == 2 && alerts.contains("field-reports.overdue:phuong-phu-xuan"), "\(alerts)")
            // The centre sees which ward the open alert is in and how severe; an anonymous reader the total only.
            try await operations.figures.round(logger: runtime.logger)
            let staff = try await figures(client, token: ioc)["operations.alerts-open"]
            let anonymous = try await figures(client)["operations.alerts-open"]
            #expect(slice(staff, "byUnit", "phuong-phu-xuan") == 1 && slice(staff, "byCategory", "warning") == 1, "\(String(describing: staff))")
            #expect(number(anonymous) == number(staff) && (anonymous?["byUnit"] as? [Any])?.isEmpty == true
                    && (anonymous?["byCategory"] as? [Any])?.isEmpty == true, "\(String(describing: anonymous))")
            // A client may not write the platform's own indicators.
            let forged = try await client.send(.post, "/ngsi-ld/v1/entities", token: ioc,
                                               json: #"{"id":"urn:ngsi-ld:KeyPerformanceIndicator:x","type":"KeyPerformanceIndicator"}"#)
            #expect(forged.status == .badRequest)
            // Nor change, retype or delete them, one by one or in a batch.
            let ward = "urn:ngsi-ld:KeyPerformanceIndicator:field-reports.overdue:phuong-phu-xuan"
            let patched = try await client.send(.patch, "/ngsi-ld/v1/entities/\(ward)/attrs", token: ioc, json: #"{"kpiValue":{"type":"Property","value":0}}"#)
            let retyped = try await client.send(.post, "/ngsi-ld/v1/entityOperations/upsert", token: ioc, json: #"[{"id":"\#(ward)","type":"Thing"}]"#)
            let removed = try await client.send(.delete, "/ngsi-ld/v1/entities/\(ward)/attrs/kpiValue", token: ioc)
            let deleted = try await client.send(.delete, "/ngsi-ld/v1/entities/\(ward)", token: ioc)
            let batchDeleted = try await client.send(.post, "/ngsi-ld/v1/entityOperations/delete", token: ioc, json: #"["\#(ward)"]"#)
            #expect([patched, removed, deleted].map(\.status) == [.badRequest, .badRequest, .badRequest])
            #expect(retyped.status.code == 207 && batchDeleted.status.code == 207 && body(batchDeleted).contains("BadRequestData"))
            let kept = try await client.send(.get, "/ngsi-ld/v1/entities/\(ward)?options=keyValues", token: ioc)
            #expect(body(kept).contains(#""kpiValue":1"#) && body(kept).contains(#""type":"KeyPerformanceIndicator""#), "\(body(kept))")
        }
    }
}
