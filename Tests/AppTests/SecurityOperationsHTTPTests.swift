import App
import Foundation
import HTTPTypes
import Hummingbird
import HuesTestSupport
import Platform
import SecurityOperations
import HummingbirdTesting
import Testing

/// A unit's shipper sends events with its key; a rule's match becomes an incident the SOC handles; the unit's staff
/// see their own and nobody else's.
@Suite struct SecurityOperationsHTTPTests {
    static let keyHeader = HTTPField.Name("X-HueS-Ingest-Key")!

    func post(_ client: some TestClientProtocol, key: String?, _ lines: [String]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-ndjson"]
        if let key { headers[Self.keyHeader] = key }
        return try await client.execute(uri: "/api/v1/security/events", method: .post, headers: headers,
                                        body: ByteBuffer(string: lines.joined(separator: "\n"))) { $0 }
    }

    static let mimikatz = #"{"@timestamp":"2026-12-01T02:15:00Z","host.name":"pc-px-017","agent.version":"8.15.1","event.category":"process","process.command_line":"x","CommandLine":"mimikatz.exe \"sekurlsa::logonpasswords\" exit","Image":"C:\\Tools\\m.exe","organization.id":"someone-else"}"#
    static let quiet = #"{"@timestamp":"2026-12-01T02:16:00Z","host.name":"pc-px-018","event.category":"authentication","event.type":"start"}"#

    @Test func eventsBecomeIncidentsThatTheSOCHandlesAndTheUnitSees() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"phuong-phu-xuan","label":"ward AV console"}"#)
            #expect(made.status == .created)
            let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            #expect(key.hasPrefix("hsk_"))

            // Without a key, or with a wrong one: refused, nothing kept.
            #expect(try await post(client, key: nil, [Self.quiet]).status == .unauthorized)
            #expect(try await post(client, key: "hsk_wrong", [Self.quiet]).status == .unauthorized)

            let sent = try await post(client, key: key, [Self.mimikatz, "{not json", Self.quiet, "", "[1,2]"])
            #expect(sent.status == .accepted)
            let receipt = try client.json([String: AnyCodable].self, sent)
            #expect(receipt["accepted"]?.int == 2 && receipt["malformed"]?.int == 2 && receipt["alerts"]?.int == 1)
            #expect(receipt["refusals"]?.array?.compactMap { $0["line"]?.int } == [2, 5])

            let incidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: soc))
            let incident = try #require(incidents.first)
            #expect(incidents.count == 1 && incident["unit"]?.string == "phuong-phu-xuan" && incident["host"]?.string == "pc-px-017")
            #expect(incident["rule"]?.string == "a642964e-bead-4bed-8910-1bb4d63e3b4d" && incident["state"]?.string == "open")
            let id = try #require(incident["id"]?.string)

            // The ward's leader was told (in their inbox, in their language's words), sees it and cannot act; another
            // unit's leader does not see it and was not told.
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let inbox = String(buffer: try await client.send(.get, "/api/v1/notices", token: leader).body)
            #expect(inbox.contains("pc-px-017") && inbox.contains("/soc/unit"), "\(inbox)")
            #expect(try await client.send(.get, "/api/v1/security/incidents/\(id)", token: leader).status == .ok)
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(id)/acknowledge", token: leader).status == .forbidden)
            let finance = try await client.signIn("finance", "demo-finance-2026").access
            #expect(try await client.send(.get, "/api/v1/security/incidents/\(id)", token: finance).status == .notFound)
            #expect(try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: finance)).isEmpty)
            #expect(!String(buffer: try await client.send(.get, "/api/v1/notices", token: finance).body).contains("pc-px-017"))

            // The SOC acknowledges, assigns, notes and closes; a second close is a conflict.
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(id)/acknowledge", token: soc).status == .ok)
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(id)/assign", token: soc, json: #"{"assignee":"leader"}"#).status == .unprocessableContent)
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(id)/assign", token: soc, json: #"{"assignee":"soc"}"#).status == .ok)
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(id)/notes", token: soc, json: #"{"body":"Host isolated by the ward."}"#).status == .created)
            let closed = try await client.send(.post, "/api/v1/security/incidents/\(id)/close", token: soc, json: #"{"reason":"Reimaged, password reset"}"#)
            #expect(try client.json([String: AnyCodable].self, closed)["state"]?.string == "closed")
            #expect(try await client.send(.post, "/api/v1/security/incidents/\(id)/close", token: soc, json: #"{"reason":"again"}"#).status == .conflict)
            let detail = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/security/incidents/\(id)", token: soc))
            #expect(detail["notes"]?.array?.first?["body"]?.string == "Host isolated by the ward." && detail["alerts"]?.array?.count == 1)

            // The unit is the key's, whatever the event claimed; malformed lines are kept with their bytes.
            let events = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events?host=pc-px-017", token: soc))
            #expect(events.first?["unit"]?.string == "phuong-phu-xuan" && events.first?["fields"]?["organization.id"]?.string == "phuong-phu-xuan")
            let malformed = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events?malformed=true", token: soc))
            #expect(Set(malformed.compactMap { $0["raw"]?.string }.compactMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }) == ["{not json", "[1,2]"])

            // Raw logs are the analysts' alone; the ward's leader sees its computers and incidents, not the logs.
            #expect(try await client.send(.get, "/api/v1/security/events", token: leader).status == .forbidden)
            let endpoints = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/endpoints", token: leader))
            #expect(endpoints.map { $0["host"]?.string } == ["pc-px-017", "pc-px-018"] && endpoints.first?["agentVersion"]?.string == "8.15.1")
            let rules = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/rules", token: soc))
            #expect(rules.count == 55 && rules.last?["kind"]?.string == "event_count" && rules.first { $0["id"]?.string == "a642964e-bead-4bed-8910-1bb4d63e3b4d" }?["hits"]?.int == 1)
        }
    }

    /// Senders choose how many incidents open: a unit's leaders hear once a quarter of an hour, and a host name that
    /// is not a host name never reaches their email as the sender wrote it.
    @Test func aUnitsLeadersHearOfIncidentsWithoutBeingFlooded() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"so-tai-chinh","label":"finance AV"}"#)
            let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            func dumper(on host: String) -> String { Self.mimikatz.replacingOccurrences(of: "pc-px-017", with: host) }
            #expect(try await post(client, key: key, [dumper(on: "visit evil.example now"), dumper(on: "pc-tc-002"), dumper(on: "pc-tc-003")]).status == .accepted)
            #expect(try await post(client, key: key, [dumper(on: "pc-tc-004")]).status == .accepted)
            let incidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: soc))
            #expect(incidents.count == 4)
            let finance = try await client.signIn("finance", "demo-finance-2026").access
            let inbox = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/notices", token: finance))
            let told = (inbox["items"]?.array ?? []).filter { $0["template"]?.string == "security.incident.opened" }
            #expect(told.count == 1, "one notice for four incidents within the quarter hour")
            let text = String(buffer: try await client.send(.get, "/api/v1/notices", token: finance).body)
            #expect(text.contains("(22 bytes)") && !text.contains("evil.example"))
        }
    }

    /// Events go after the retention (180 days by default, by when they happened); the incident they raised stays.
    @Test func eventsPastTheirRetentionGoAndTheirIncidentsStay() async throws {
        let clock = TestClock()
        try await TestApp.run(clock: clock) { client, runtime in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"phuong-phu-xuan","label":"ward AV"}"#)
            let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            #expect(try await post(client, key: key, [Self.mimikatz, Self.quiet]).status == .accepted)
            let module = try runtime.require(SecurityOperationsModule.self)
            #expect(try await module.expireEvents(logger: runtime.logger) == 0)
            clock.advance(by: 181 * 86_400)
            #expect(try await module.expireEvents(logger: runtime.logger) == 2)
            let soc2 = try await client.signIn("soc", "demo-soc-2026").access
            #expect(try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events", token: soc2)).isEmpty)
            #expect(try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: soc2)).count == 1)
        }
    }

    @Test func hostileBatchesAreBoundedAndKeysRevoked() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"phuong-phu-xuan","label":"shipper"}"#)
            let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            // A sender naming 80 hosts opens 50 incidents and one alert storm, not 80.
            let many = (0..<80).map { #"{"host.name":"h\#($0)","CommandLine":"mimikatz sekurlsa::logonpasswords"}"# }
            // Two names for the unit that differ only in case, and a line far too long: refused, kept (the long one in part).
            let cased = #"{"organization.id":"x","ORGANIZATION.ID":"y","host.name":"z"}"#
            let huge = #"{"message":""# + String(repeating: "a", count: 70_000) + #""}"#
            let sent = try await post(client, key: key, many + [cased, huge])
            let receipt = try client.json([String: AnyCodable].self, sent)
            #expect(receipt["accepted"]?.int == 80 && receipt["malformed"]?.int == 2 && receipt["alerts"]?.int == 80)
            let incidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents?limit=500", token: soc))
            #expect(incidents.count == 51)
            let storm = incidents.first { $0["rule"]?.string == "hues.alert-storm" }
            #expect(storm?["alertCount"]?.int == 30 && storm?["host"]?.string == "*")
            let malformed = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events?malformed=true", token: soc))
            let long = malformed.first { $0["malformed"]?.string?.contains("SHA-256") == true }
            #expect(long.flatMap { $0["raw"]?.string }.flatMap { Data(base64Encoded: $0) }?.count == 65_536)
            #expect(malformed.contains { $0["malformed"]?.string?.contains("differ only in case") == true })

            // Revoked: the key stops at once.
            let keys = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/ingest-keys", token: soc))
            let id = try #require(keys.first?["id"]?.string)
            #expect(try await client.send(.post, "/api/v1/security/ingest-keys/\(id)/revoke", token: soc).status == .noContent)
            #expect(try await post(client, key: key, [Self.quiet]).status == .unauthorized)
            #expect(try await client.send(.post, "/api/v1/security/ingest-keys/\(id)/revoke", token: soc).status == .notFound)
        }
    }

    /// A shipper whose post timed out sends the batch again: nothing is stored twice, no alert raised twice. The ids
    /// are the unit's own (another unit may use the same ones), and an event without one is stored each time.
    @Test func aBatchSentAgainIsStoredOnce() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            func key(_ unit: String) async throws -> String {
                let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"\#(unit)","label":"shipper"}"#)
                return try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            }
            func withID(_ line: String, _ id: String) -> String { String(line.dropLast()) + #","event.id":"\#(id)"}"# }
            // av-1 on a second host is another event (hosts' counters may overlap); av-2 twice in the batch is one.
            let batch = [withID(Self.mimikatz, "av-1"), withID(Self.quiet, "av-1"), withID(Self.quiet, "av-2"), withID(Self.quiet, "av-2"), Self.quiet]
            let ward = try await key("phuong-phu-xuan")
            func receipt(_ key: String) async throws -> [String: AnyCodable] {
                try client.json([String: AnyCodable].self, try await post(client, key: key, batch))
            }
            let first = try await receipt(ward)
            #expect(first["accepted"]?.int == 4 && first["duplicates"]?.int == 1 && first["alerts"]?.int == 1)
            let again = try await receipt(ward)
            #expect(again["accepted"]?.int == 1 && again["duplicates"]?.int == 4 && again["alerts"]?.int == 0)
            let incidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: soc))
            #expect(incidents.count == 1 && incidents.first?["alertCount"]?.int == 1)
            let dumps = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events?host=pc-px-017", token: soc))
            #expect(dumps.count == 1)
            let quiet = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events?host=pc-px-018", token: soc))
            #expect(quiet.count == 4)  // av-1 and av-2 once each, and the event without an id both times

            // Two copies at once (a shipper that timed out while the first was still being written): one is kept.
            let finance = try await key("so-tai-chinh")
            async let one = receipt(finance)
            async let two = receipt(finance)
            let copies = try await [one, two]
            #expect(copies.compactMap { $0["accepted"]?.int }.reduce(0, +) == 4 + 1)
            #expect(copies.compactMap { $0["duplicates"]?.int }.reduce(0, +) == 1 + 4)
            #expect(copies.compactMap { $0["alerts"]?.int }.reduce(0, +) == 1)
        }
    }

    /// Batch after batch of new hosts: a unit opens at most 200 incidents an hour; the rest go to its alert storm.
    @Test func aUnitOpensAtMostTwoHundredIncidentsAnHour() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"phuong-phu-xuan","label":"shipper"}"#)
            let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            for batch in 0..<5 {
                let lines = (0..<50).map { #"{"host.name":"b\#(batch)-h\#($0)","CommandLine":"mimikatz sekurlsa::logonpasswords"}"# }
                #expect(try client.json([String: AnyCodable].self, try await post(client, key: key, lines))["alerts"]?.int == 50)
            }
            let incidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents?limit=500", token: soc))
            #expect(incidents.filter { $0["rule"]?.string != "hues.alert-storm" }.count == 200)
            let storm = incidents.filter { $0["rule"]?.string == "hues.alert-storm" }
            #expect(storm.count == 1 && storm.first?["alertCount"]?.int == 50 && storm.first?["level"]?.string == "high")
            // A critical alert folded into the storm makes it critical (a password dumper the antivirus named).
            let dumper = #"{"host.name":"b9-h0","Signature":"HackTool:Win32/Mimikatz.D","event.category":"malware"}"#
            #expect(try await post(client, key: key, [dumper]).status == .accepted)
            let after = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents?limit=500", token: soc))
            #expect(after.first { $0["rule"]?.string == "hues.alert-storm" }?["level"]?.string == "critical")
        }
    }

    @Test func signInGuessingAgainstThePlatformBecomesAnIncident() async throws {
        try await TestApp.run { client, runtime in
            for attempt in 0..<10 {
                // The router ignores empty segments, and so does the SOC: `//api/v1/auth/token/` is a sign-in too.
                let response = try await client.execute(uri: attempt % 2 == 0 ? "/api/v1/auth/token" : "//api/v1/auth/token/", method: .post, headers: [.contentType: "application/json"],
                                                        body: ByteBuffer(string: #"{"username":"user\#(attempt)","password":"guess"}"#)) { $0 }
                #expect(response.status == .unauthorized)
            }
            let citizen = try await client.signIn("citizen", "demo-citizen-2026").access
            #expect(try await client.send(.get, "/api/v1/security/incidents", token: citizen).status == .forbidden)
            try await runtime.require(SecurityOperationsModule.self).flushPlatformSignals(logger: runtime.logger)
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let incidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: soc))
            let brute = incidents.first { $0["rule"]?.string == "0b7d51a2-6f44-4d1e-8c2a-3e9f5a6b7c80" }
            #expect(brute?["unit"]?.string == "platform" && brute?["level"]?.string == "high")
            // The refused request is an event of unit "platform" too, for the analysts.
            let events = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events?unit=platform&limit=50", token: soc))
            #expect(events.contains { $0["fields"]?["event.code"]?.string == "access-forbidden" })
            #expect(events.filter { $0["fields"]?["event.code"]?.string == "sign-in-failed" }.count == 10)
            // Counted by network: an IPv4 address is its own, an IPv6 one its /64.
            #expect(events.allSatisfy { $0["fields"]?["source.network"]?.string == $0["fields"]?["source.ip"]?.string.map(IPNetwork.budgetKey) })
        }
    }

    /// A forged token and a replayed refresh token reach the SOC as what they are, not as failed sign-ins.
    @Test func forgedAndReusedTokensBecomeSignals() async throws {
        try await TestApp.run { client, runtime in
            let tokens = try await client.signIn("citizen", "demo-citizen-2026")
            // The same token with its signature changed: a 401, and the SOC hears "forged".
            var parts = tokens.access.split(separator: ".").map(String.init)
            let signature = Array(parts[2])
            let middle = signature.count / 2
            parts[2] = String(signature[..<middle]) + (signature[middle] == "A" ? "B" : "A") + String(signature[(middle + 1)...])
            let forged = try await client.send(.get, "/api/v1/notices", token: parts.joined(separator: "."))
            #expect(forged.status == .unauthorized && body(forged).contains("/problems/token-signature-invalid"))
            // An expired or garbled token is not a forgery.
            #expect(try await client.send(.get, "/api/v1/notices", token: "not-a-token").status == .unauthorized)
            #expect(try await client.send(.post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(tokens.refresh)"}"#).status == .ok)
            #expect(try await client.send(.post, "/api/v1/auth/refresh", json: #"{"refresh_token":"\#(tokens.refresh)"}"#).status == .unauthorized)
            try await runtime.require(SecurityOperationsModule.self).flushPlatformSignals(logger: runtime.logger)
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let events = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/events?unit=platform&limit=50", token: soc))
            let codes = events.compactMap { $0["fields"]?["event.code"]?.string }
            #expect(codes.filter { $0 == "token-forged" }.count == 1 && codes.filter { $0 == "token-reused" }.count == 1, "\(codes)")
            #expect(!codes.contains("sign-in-failed"))
            let forgery = events.first { $0["fields"]?["event.code"]?.string == "token-forged" }
            #expect(forgery?["fields"]?["url.path"]?.string == "/api/v1/notices" && forgery?["category"]?.string == "authentication")
        }
    }

    /// Batches filed at once (PostgreSQL runs them side by side) still make one incident of one rule on one host.
    @Test func batchesAtOnceOpenOneIncidentForOneGroup() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"phuong-phu-xuan","label":"ward AV"}"#)
            let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            // Ten rounds of six posters at once, of an event naming no host (so no computer's row is written, which
            // would make the batches wait for each other anyway).
            let line = Self.mimikatz.replacingOccurrences(of: #""host.name":"pc-px-017","#, with: "")
            for _ in 1...10 {
                let stored = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            // A shed post (503) is sent again, as a shipper would.
                            for _ in 0..<50 {
                                let response = try await post(client, key: key, [line])
                                if response.status == .accepted { return 1 }
                                try await Task.sleep(for: .milliseconds(20))
                            }
                            return 0
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(stored == 6)
            }
            let incidents = try client.json([[String: AnyCodable]].self, try await client.send(.get, "/api/v1/security/incidents", token: soc))
            #expect(incidents.count == 1 && incidents.first?["alertCount"]?.int == 60, "\(incidents.map { $0["alertCount"]?.int ?? 0 })")
        }
    }

    @Test func aMonthOfBlockedEventsInTheCitysTime() async throws {
        try await TestApp.run { client, _ in
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            let made = try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"phuong-phu-xuan","label":"av"}"#)
            let key = try #require(try client.json([String: AnyCodable].self, made)["key"]?.string)
            func event(_ time: String, _ host: String, _ category: String, _ type: String) -> String {
                #"{"@timestamp":"\#(time)","host.name":"\#(host)","event.category":["\#(category)"],"event.type":["\#(type)"]}"#
            }
            // 00:30 on 1 December in Huế is still 30 November in UTC; 23:30 on 30 November in Huế is November's.
            let lines = [event("2026-11-30T17:30:00Z", "pc-1", "malware", "denied"), event("2026-12-02T03:00:00Z", "pc-1", "malware", "denied"),
                         event("2026-12-02T04:00:00Z", "pc-2", "intrusion_detection", "denied"), event("2026-12-02T05:00:00Z", "pc-2", "malware", "allowed"),
                         event("2026-11-30T16:30:00Z", "pc-3", "malware", "denied")]
            #expect(try await post(client, key: key, lines).status == .accepted)
            let december = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/security/reports/monthly?month=2026-12", token: soc))
            #expect(december["blocked"]?.int == 3 && december["timeZone"]?.string == "Asia/Ho_Chi_Minh")
            #expect(december["byCategory"]?["malware"]?.int == 2 && december["byCategory"]?["intrusion_detection"]?.int == 1)
            #expect(december["topHosts"]?.array?.first?["host"]?.string == "pc-1" && december["byUnit"]?["phuong-phu-xuan"]?.int == 3)
            let november = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/security/reports/monthly?month=2026-11", token: soc))
            #expect(november["blocked"]?.int == 1)
            let csv = try await client.send(.get, "/api/v1/security/reports/monthly?month=2026-12&format=csv", token: soc)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(body(csv) == "unit,category,blocked\r\n\"phuong-phu-xuan\",\"malware\",2\r\n\"phuong-phu-xuan\",\"intrusion_detection\",1\r\n")
            // Another unit's leader sees none of it; a month that is not one is refused.
            let finance = try await client.signIn("finance", "demo-finance-2026").access
            let theirs = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/security/reports/monthly?month=2026-12", token: finance))
            #expect(theirs["blocked"]?.int == 0)
            for month in ["2026-13", "26-12", "december", "1999-12"] {
                #expect(try await client.send(.get, "/api/v1/security/reports/monthly?month=\(month)", token: soc).status == .badRequest)
            }
        }
    }

    @Test func whoMayReachWhat() async throws {
        try await TestApp.run { client, _ in
            #expect(try await client.send(.get, "/api/v1/security/incidents").status == .unauthorized)
            let citizen = try await client.signIn("citizen", "demo-citizen-2026").access
            let leader = try await client.signIn("leader", "demo-leader-2026").access
            let ioc = try await client.signIn("ioc", "demo-ioc-2026").access
            for token in [citizen, ioc] {
                #expect(try await client.send(.get, "/api/v1/security/incidents", token: token).status == .forbidden)
                #expect(try await client.send(.get, "/api/v1/security/events", token: token).status == .forbidden)
            }
            for token in [citizen, leader, ioc] {
                #expect(try await client.send(.post, "/api/v1/security/ingest-keys", token: token, json: #"{"unit":"phuong-phu-xuan","label":"x"}"#).status == .forbidden)
                #expect(try await client.send(.get, "/api/v1/security/rules", token: token).status == .forbidden)
            }
            let soc = try await client.signIn("soc", "demo-soc-2026").access
            #expect(try await client.send(.post, "/api/v1/security/ingest-keys", token: soc, json: #"{"unit":"nowhere","label":"x"}"#).status == .unprocessableContent)
            #expect(try await client.send(.get, "/api/v1/security/events?from=yesterday", token: soc).status == .badRequest)
            #expect(try await client.send(.get, "/api/v1/security/incidents?limit=100000", token: soc).status == .badRequest)
        }
    }
}
