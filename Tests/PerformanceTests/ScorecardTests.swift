import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Testing

import FieldReports
import Payments
import PublicServices

@testable import Performance
@testable import Platform

/// The Decision 766 scorecard over a small fixed history, computed by hand below, and the projection behind it.
@Suite struct ScorecardTests {
    let logger = Logger(label: "test")
    /// The set the city runs: what the modules declare in their manifests.
    static let kinds = ["dossier", "field-report"]
    static let indicators = Indicator766.set(from: PublicServicesModule.indicators + FieldReportsModule.indicators + PaymentsModule.indicators)

    static func at(_ text: String) -> Date {
        (try? Date(text, strategy: .iso8601)) ?? Date(timeIntervalSince1970: 0)
    }

    /// One event as the modules write it.
    struct Entry {
        var type: String
        var subject: String
        var at: String
        var payload: String
    }

    static func started(_ subject: String, unit: String, at: String, due: String) -> Entry {
        Entry(type: "workflow.started", subject: subject, at: at,
              payload: #"{"competentUnit":"\#(unit)","due":"\#(due)","process":"p","state":"received"}"#)
    }

    static func finished(_ subject: String, at: String, onTime: Bool, unit: String = "A") -> Entry {
        Entry(type: "workflow.transitioned", subject: subject, at: at,
              payload: #"{"competentUnit":"\#(unit)","finished":true,"onTime":\#(onTime),"to":"approved","unit":"\#(unit)"}"#)
    }

    /// A step that leaves the case open (or takes a finished one up again), with its deadline and clock.
    static func moved(_ subject: String, at: String, due: String, paused: Bool = false, unit: String = "A") -> Entry {
        Entry(type: "workflow.transitioned", subject: subject, at: at,
              payload: #"{"competentUnit":"\#(unit)","due":"\#(due)","finished":false,"paused":\#(paused),"to":"processing","unit":"counter"}"#)
    }

    static func channel(_ subject: String, _ channel: String, at: String, category: String? = nil) -> Entry {
        let type = subject.hasPrefix("dossier:") ? "public-services.dossier.filed" : "field-report.filed"
        let payload = category.map { #"{"category":"\#($0)","channel":"\#(channel)"}"# } ?? #"{"channel":"\#(channel)"}"#
        return Entry(type: type, subject: subject, at: at, payload: payload)
    }

    /// November 2026 in unit A, as of 1 December (times in Hue, UTC+7). By hand:
    /// dossiers d1–d4: on time d1, d3 (open, due 5 Dec) → 2/4 → 20 × 0.5 = 10; online d1, d3, d4 → 3/4 ≥ 50 % → 12;
    /// satisfaction 4 − 2 overdue (d2, d4) − 1 disliked (d2) = 1/4 → 0.25 / 0.9 × 6 = 1.67.
    /// reports r1–r3: on time r1, r3 (r2 was late, then reopened and is past its new deadline) → 2/3 → 6 × 2/3 = 4;
    /// satisfaction 3 − 1 overdue (r2) − 1 disliked (r1, two stars) = 1/3 → 2. Total 29.67 of the 50 computed here.
    static let history: [Entry] = [
        started("dossier:d6", unit: "A", at: "2026-10-30T09:00:00+07:00", due: "2026-11-06T17:00:00+07:00"),
        started("dossier:d1", unit: "A", at: "2026-11-03T09:00:00+07:00", due: "2026-11-10T17:00:00+07:00"),
        channel("dossier:d1", "online", at: "2026-11-03T09:00:00+07:00"),
        started("dossier:d2", unit: "A", at: "2026-11-05T09:00:00+07:00", due: "2026-11-12T17:00:00+07:00"),
        channel("dossier:d2", "in-person", at: "2026-11-05T09:00:00+07:00"),
        started("field-report:r1", unit: "A", at: "2026-11-02T08:00:00+07:00", due: "2026-11-06T17:00:00+07:00"),
        channel("field-report:r1", "app", at: "2026-11-02T08:00:00+07:00", category: "pothole"),
        // The operations centre confirms r1 (its process's `verified` milestone).
        Entry(type: "workflow.transitioned", subject: "field-report:r1", at: "2026-11-02T09:00:00+07:00",
              payload: #"{"competentUnit":"A","finished":false,"milestone":"verified","to":"in-progress","unit":"A"}"#),
        started("field-report:r2", unit: "A", at: "2026-11-04T08:00:00+07:00", due: "2026-11-07T17:00:00+07:00"),
        channel("field-report:r2", "web", at: "2026-11-04T08:00:00+07:00", category: "pothole"),
        finished("dossier:d1", at: "2026-11-08T10:00:00+07:00", onTime: true),
        finished("field-report:r1", at: "2026-11-05T10:00:00+07:00", onTime: true),
        Entry(type: "field-report.rated", subject: "field-report:r1", at: "2026-11-05T12:00:00+07:00", payload: #"{"stars":"2"}"#),
        Entry(type: "public-services.dossier.rated", subject: "dossier:d1", at: "2026-11-08T12:00:00+07:00", payload: #"{"score":5}"#),
        started("dossier:d5", unit: "B", at: "2026-11-10T09:00:00+07:00", due: "2026-11-17T17:00:00+07:00"),
        channel("dossier:d5", "online", at: "2026-11-10T09:00:00+07:00"),
        finished("dossier:d5", at: "2026-11-12T09:00:00+07:00", onTime: true, unit: "B"),
        finished("field-report:r2", at: "2026-11-09T10:00:00+07:00", onTime: false),
        finished("dossier:d2", at: "2026-11-15T10:00:00+07:00", onTime: false),
        Entry(type: "public-services.dossier.rated", subject: "dossier:d2", at: "2026-11-15T12:00:00+07:00", payload: #"{"score":1}"#),
        // r2 is reopened by the reporter: open again, with a new deadline that passes before December.
        moved("field-report:r2", at: "2026-11-10T10:00:00+07:00", due: "2026-11-14T17:00:00+07:00"),
        started("dossier:d3", unit: "A", at: "2026-11-20T09:00:00+07:00", due: "2026-12-05T17:00:00+07:00"),
        channel("dossier:d3", "online", at: "2026-11-20T09:00:00+07:00"),
        started("dossier:d4", unit: "A", at: "2026-11-21T09:00:00+07:00", due: "2026-11-28T17:00:00+07:00"),
        channel("dossier:d4", "online", at: "2026-11-21T09:00:00+07:00"),
        // A supplement request stops d4's clock; the applicant answers and the deadline moves by a day: still past
        // it on 1 December.
        moved("dossier:d4", at: "2026-11-24T09:00:00+07:00", due: "2026-11-28T17:00:00+07:00", paused: true),
        moved("dossier:d4", at: "2026-11-25T09:00:00+07:00", due: "2026-11-29T17:00:00+07:00"),
        started("field-report:r3", unit: "A", at: "2026-11-25T08:00:00+07:00", due: "2026-12-03T17:00:00+07:00"),
        channel("field-report:r3", "hotline", at: "2026-11-25T08:00:00+07:00", category: "flooding"),
        started("field-report:r5", unit: "B", at: "2026-11-16T08:00:00+07:00", due: "2026-11-20T17:00:00+07:00"),
        channel("field-report:r5", "camera", at: "2026-11-16T08:00:00+07:00", category: "garbage"),
        finished("field-report:r5", at: "2026-11-17T09:30:00+07:00", onTime: true, unit: "B"),
        // A report merged into a nearby case has no case of its own: nothing to count.
        channel("field-report:r4", "open311", at: "2026-11-26T08:00:00+07:00"),
    ]

    func append(_ entries: ArraySlice<Entry>, to database: PlatformDatabase) async throws {
        try await database.write(logger: logger) { db in
            for entry in entries {
                try await EventLog.append(DomainEvent(type: entry.type, actorName: "test", subject: entry.subject, rawPayload: entry.payload,
                                                      occurredAt: Self.at(entry.at)), on: db)
            }
        }
    }

    func scorecard(_ database: PlatformDatabase, unit: String?) async throws -> Scorecard {
        let period = try #require(ReportingPeriod("2026-11"))
        let calendar = try CityProfile.demo().calendar
        let (start, end) = period.instants(in: calendar)
        let asOf = Self.at("2026-12-01T00:00:00+07:00")
        let tallies = try await CaseTally.count(from: start, to: end, unit: unit, kinds: Self.kinds, asOf: asOf, on: try database.sql(logger: logger))
        return Scorecard(unit: unit, period: period, asOf: asOf, tallies: tallies, indicators: Self.indicators)
    }

    /// The database adds the cases up as the scorecard's own rules would, one by one, at moments before, during and
    /// after the period: cases finished later, reopened, unrated and disliked included.
    @Test func theDatabaseTalliesTheCasesAsTheRulesCountThemOneByOne() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            try await append(Self.history[...], to: database)
            try await CaseProjection(database: database).catchUp(logger: logger)
            let period = try #require(ReportingPeriod("2026-11"))
            let (start, end) = period.instants(in: try CityProfile.demo().calendar)
            let sql = try database.sql(logger: logger)
            // With and without statistics (which change SQLite's plan): the same counts either way.
            for analysed in [false, true] {
                if analysed, database.kind == .sqlite { try await database.write(logger: logger) { db in try await (db as? any SQLDatabase)?.raw("ANALYZE").run() } }
                for moment in ["2026-11-05T12:00:00+07:00", "2026-11-18T08:00:00+07:00", "2026-12-01T00:00:00+07:00", "2027-01-10T00:00:00+07:00"] {
                    for unit in [nil, "A", "B"] {
                        let facts = try await CaseFacts.received(from: start, to: end, unit: unit, on: sql)
                        let counted = try await CaseTally.count(from: start, to: end, unit: unit, kinds: Self.kinds, asOf: Self.at(moment), on: sql)
                        #expect(counted == CaseTally.of(facts, asOf: Self.at(moment)), "as of \(moment) in \(unit ?? "the city")")
                        #expect(!counted.isEmpty)
                    }
                }
            }
            // Not a tally that agrees by being empty: unit A has overdue, online and disliked cases on 1 December.
            let a = try await CaseTally.count(from: start, to: end, unit: "A", kinds: Self.kinds, asOf: Self.at("2026-12-01T00:00:00+07:00"), on: sql)
            let dossiers = try #require(a.first { $0.kind == "dossier" })
            #expect(dossiers.received == 4 && dossiers.overdue == 2 && dossiers.online == 3 && dossiers.disliked == 1)
        }
    }

    func migrated(_ database: PlatformDatabase) async throws {
        try await database.migrate(EventLog.migrations() + [CreatePerformanceTables(), CreateOfficerTables(), CreateOutsideFigures(), CreateEmulationTables(), CreateTallyIndex()], logger: logger)
    }

    @Test func aUnitsScorecardMatchesTheOneComputedByHand() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            try await append(Self.history[...], to: database)
            try await CaseProjection(database: database).catchUp(logger: logger)
            let card = try await scorecard(database, unit: "A")
            let lines = Dictionary(uniqueKeysWithValues: card.lines.map { ($0.indicator.code, $0) })
            #expect(lines["766-2.1"]?.numerator == 2 && lines["766-2.1"]?.denominator == 4 && lines["766-2.1"]?.points == 10)
            #expect(lines["766-3"]?.numerator == 3 && lines["766-3"]?.denominator == 4 && lines["766-3"]?.points == 12)
            #expect(lines["766-5.4"]?.numerator == 1 && abs((lines["766-5.4"]?.points ?? 0) - 0.25 / 0.9 * 6) < 1e-9)
            #expect(lines["766-5.2"]?.numerator == 2 && lines["766-5.2"]?.denominator == 3 && abs((lines["766-5.2"]?.points ?? 0) - 4) < 1e-9)
            #expect(lines["766-5.3"]?.numerator == 1 && abs((lines["766-5.3"]?.points ?? 0) - 2) < 1e-9)
            #expect(card.points == 29.67)
            #expect(card.pointsPossible == 50 && card.pointsOutside == 50)
            // Kept outside the platform: unknown here, not zero.
            #expect(lines["766-1"]?.points == nil && lines["766-1"]?.rate == nil)
            // The CSV says the same: a line per indicator, empty points for the ones kept outside, the total last.
            let csv = ScorecardCSV.text(card).split(separator: "\r\n").map(String.init)
            #expect(csv.first == "\u{FEFF}" + ScorecardCSV.header.joined(separator: ","))
            #expect(csv.contains { $0.hasPrefix("766-2.1,2,\"Hồ sơ xử lý trước hạn, đúng hạn\",Dossiers processed on time,2,4,0.5000,10.00,20.00,,") })
            #expect(csv.contains { $0.hasPrefix("766-1,1,") && $0.contains(",,,,18.00,") })
            #expect(csv.last == "total,,,,,,,29.67,50.00,,,")
        }
    }

    /// Unit A on 1 December has two open cases within their deadline. By hand: a dossier going late costs 766-2.1
    /// 10 − 5 and 766-5.4 1.67 − 0 = 6.67 points; a report costs 766-5.2 4 − 2 and 766-5.3 2 − 0 = 4.
    @Test func whatIfOrdersTheOpenCasesByThePointsTheirUnitWouldLose() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            try await append(Self.history[...], to: database)
            try await CaseProjection(database: database).catchUp(logger: logger)
            let card = try await scorecard(database, unit: "A")
            let period = try #require(ReportingPeriod("2026-11"))
            let (start, end) = period.instants(in: try CityProfile.demo().calendar)
            let facts = try await CaseFacts.received(from: start, to: end, unit: "A", on: try database.sql(logger: logger))
            let whatIf = WhatIf(card: card, facts: facts, limit: 50)
            #expect(whatIf.perCase == ["dossier": 6.67, "field-report": 4])
            #expect(whatIf.cases.map(\.subject) == ["dossier:d3", "field-report:r3"] && whatIf.cases.map(\.points) == [6.67, 4] && whatIf.total == 2)
            #expect(WhatIf(card: card, facts: facts, limit: 1).cases.count == 1)
        }
    }

    /// Unit A earned 29.67 of 50 (59.34 %); with the council's 80 points and 60 % on the data: 35.60 + 32 = 67.6.
    @Test func anInitiativeIsEvaluatedOnItsUnitsDataAndTheCouncilsPoints() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            try await append(Self.history[...], to: database)
            try await CaseProjection(database: database).catchUp(logger: logger)
            let card = try await scorecard(database, unit: "A")
            let evaluated = Evaluation(card: card, councilPoints: 80, dataWeight: 0.6)
            #expect(evaluated.dataScore == 59.34 && evaluated.councilPoints == 80 && evaluated.evaluation == 67.6)
            // Without the council's points, or for a unit with nothing to score, the evaluation is unknown, not zero.
            #expect(Evaluation(card: card, councilPoints: nil, dataWeight: 0.6).evaluation == nil)
            #expect(Evaluation(card: try await scorecard(database, unit: "C"), councilPoints: 80, dataWeight: 0.6).evaluation == nil)
        }
    }

    @Test func theCityCountsEveryUnitAndAnEmptyUnitScoresNothingRatherThanZero() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            try await append(Self.history[...], to: database)
            try await CaseProjection(database: database).catchUp(logger: logger)
            let city = try await scorecard(database, unit: nil)
            let onTime = try #require(city.lines.first { $0.indicator.code == "766-2.1" })
            #expect(onTime.numerator == 3 && onTime.denominator == 5)
            let empty = try await scorecard(database, unit: "C")
            #expect(empty.lines.allSatisfy { $0.points == nil } && empty.points == 0 && empty.pointsPossible == 0)
        }
    }

    @Test func aProjectionRebuiltFromScratchEqualsTheOneKeptUpIncrementally() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            let projection = CaseProjection(database: database, batchSize: 4)
            // In three steps, with catch-ups between, as the background work meets them.
            try await append(Self.history[..<7], to: database)
            try await projection.catchUp(logger: logger)
            try await append(Self.history[7..<16], to: database)
            try await projection.catchUp(logger: logger)
            try await append(Self.history[16...], to: database)
            try await projection.catchUp(logger: logger)
            // Caught up: a second round changes nothing.
            #expect(try await projection.catchUp(logger: logger) == 0)
            let incremental = try await CaseFacts.all(on: try database.sql(logger: logger))
            #expect(incremental.count == 10)
            try await projection.rebuild(logger: logger)
            #expect(try await CaseFacts.all(on: try database.sql(logger: logger)) == incremental)
            let r2 = try #require(incremental.first { $0.subject == "field-report:r2" })
            #expect(r2.finishedAt == nil && r2.onTime == nil && r2.dueAt == Self.at("2026-11-14T17:00:00+07:00"))
            // The counter held d4 for a while; the unit answerable stays the competent one.
            #expect(incremental.first { $0.subject == "dossier:d4" }?.unitCode == "A")
        }
    }

    @Test func periodsAreBoundedAndCoverWholeDaysInTheCitysCalendar() throws {
        let calendar = try CityProfile.demo().calendar
        let november = try #require(ReportingPeriod("2026-11"))
        #expect(november.first.description == "2026-11-01" && november.last.description == "2026-11-30")
        #expect(november.instants(in: calendar).start == Self.at("2026-11-01T00:00:00+07:00"))
        #expect(november.instants(in: calendar).end == Self.at("2026-12-01T00:00:00+07:00"))
        #expect(ReportingPeriod("2026-Q4")?.first.description == "2026-10-01" && ReportingPeriod("2026-Q4")?.last.description == "2026-12-31")
        #expect(ReportingPeriod("2024-02")?.last.description == "2024-02-29")
        #expect(ReportingPeriod("2026")?.last.description == "2026-12-31")
        #expect(ReportingPeriod("2026-11-01..2026-11-15")?.last.description == "2026-11-15")
        #expect(ReportingPeriod("2026-Q04") == nil && ReportingPeriod("2026-+1") == nil)
        #expect(ReportingPeriod("2026-+1-01..2026-11-15")?.label == "2026-01-01..2026-11-15")
        for bad in ["", "26", "2026-13", "2026-1", "2026-Q5", "99999999999999999999", "2026-11-15..2026-11-01", "1800", "2026-11-01..", "x-y-z",
                    "2000-01-01..2100-12-31", "2025-11-01..2026-11-02", "+2026"] {
            #expect(ReportingPeriod(bad) == nil, "\(bad)")
        }
    }

    @Test func theOfficialRuleGivesFullPointsAtTheThresholdAndAShareBelowIt() {
        let online = Self.indicators.first { $0.code == "766-3" }
        #expect(online?.points(rate: 0.5) == 12 && online?.points(rate: 0.9) == 12 && online?.points(rate: 0.25) == 6)
        let onTime = Self.indicators.first { $0.code == "766-2.1" }
        #expect(onTime?.points(rate: 0.8) == 16 && onTime?.points(rate: 1.5) == 20)
    }

    @Test func aCaseWaitingOnTheApplicantIsNotOverdueAndALateFinishIsJudgedAsOfThePeriodsEnd() {
        let end = Self.at("2026-12-01T00:00:00+07:00")
        let open = CaseFact(subject: "dossier:x", kind: "dossier", process: "p", unitCode: "A", receivedAt: Self.at("2026-11-02T09:00:00+07:00"),
                            dueAt: Self.at("2026-11-20T17:00:00+07:00"), paused: true, finishedAt: nil, onTime: nil, channel: nil, rating: nil,
                            category: nil, reopened: 0, lastSeq: 1)
        #expect(!Scorecard.isOverdue(open, asOf: end))
        var running = open
        running.paused = false
        #expect(Scorecard.isOverdue(running, asOf: end))
        // Finished on time, but only in December: at the end of November it was open and past its deadline.
        var late = running
        late.finishedAt = Self.at("2026-12-03T09:00:00+07:00")
        late.onTime = true
        #expect(Scorecard.isOverdue(late, asOf: end) && !Scorecard.isOverdue(late, asOf: Self.at("2026-12-04T00:00:00+07:00")))
    }

    @Test func onlyTheOperationsCentreAndAdminsSeeTheCityAndLeadersOnlyTheirUnits() async throws {
        let profile = try CityProfile.demo()
        let database = try PlatformDatabase(location: .sqliteInMemory)
        defer { Task { await database.shutdown() } }
        let reading = ScorecardReading(database: database, profile: profile, indicators: Self.indicators, clock: { Self.at("2026-11-15T09:00:00+07:00") })
        func person(_ grants: RoleGrant...) -> Principal {
            Principal(accountID: "x", username: "x", displayName: "x", grants: grants, credential: .accessToken)
        }
        let centre = try #require(profile.city.operationsUnit)
        #expect(try reading.scope(unit: nil, period: nil, principal: person(RoleGrant(role: .iocOperator, unitCode: centre))).unit == nil)
        #expect(try reading.scope(unit: nil, period: nil, principal: person(RoleGrant(role: .admin))).period.label == "2026-11")
        // An IOC grant in a ward reaches no further than the ward's own role.
        #expect(throws: Problem.self) { try reading.scope(unit: nil, period: nil, principal: person(RoleGrant(role: .iocOperator, unitCode: "phuong-phu-xuan"))) }
        let leader = person(RoleGrant(role: .unitLeader, unitCode: "phuong-phu-xuan"))
        #expect(try reading.scope(unit: nil, period: "2026-Q4", principal: leader).unit == "phuong-phu-xuan")
        #expect(throws: Problem.self) { try reading.scope(unit: "so-tai-chinh", period: nil, principal: leader) }
        // A unit that does not exist looks the same as one the leader does not lead; admins are told it does not exist.
        let refused = #expect(throws: Problem.self) { try reading.scope(unit: "no-such-unit", period: nil, principal: leader) }
        #expect(refused?.status == .forbidden)
        let missing = #expect(throws: Problem.self) { try reading.scope(unit: "no-such-unit", period: nil, principal: person(RoleGrant(role: .admin))) }
        #expect(missing?.status == .notFound)
        #expect(throws: Problem.self) { try reading.scope(unit: nil, period: "2026-11-01..2027-11-02", principal: leader) }
    }

    @Test func csvFieldsAreQuotedAndNeverRunAsFormulas() {
        #expect(ScorecardCSV.field("plain") == "plain")
        #expect(ScorecardCSV.field("a, b") == "\"a, b\"")
        #expect(ScorecardCSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ScorecardCSV.field("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(ScorecardCSV.field("-5") == "'-5")
    }

    /// Unit A's reports by hand (office hours 07:30–11:30 and 13:30–17:00): r1, a pothole, came in on Monday 2
    /// November at 08:00 and was fixed on Thursday at 10:00, 3.5 + 3.5 + 7.5 + 7.5 + 2.5 = 24.5 working hours, rated two
    /// stars; r2, a pothole, was late, reopened and is overdue; r3, flooding, is open within its deadline. Unit B's r5
    /// took 7 + 2 = 9 hours, on time, so B ranks first.
    @Test func fieldReportFiguresPerUnitAndCategoryMatchTheOnesComputedByHand() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await migrated(database)
            try await append(Self.history[...], to: database)
            try await CaseProjection(database: database).catchUp(logger: logger)
            let period = try #require(ReportingPeriod("2026-11"))
            let calendar = try CityProfile.demo().calendar
            let (start, end) = period.instants(in: calendar)
            let facts = try await CaseFacts.received(from: start, to: end, unit: nil, on: try database.sql(logger: logger))
            let figures = FieldReportFigures(unit: nil, period: period, asOf: end, facts: facts, calendar: calendar)
            let pothole = try #require(figures.rows.first { $0.unit == "A" && $0.category == "pothole" })
            #expect(pothole.received == 2 && pothole.verified == 1 && pothole.finished == 1 && pothole.finishedOnTime == 1 && pothole.overdue == 1)
            #expect(pothole.averageHandlingHours == 24.5 && pothole.p90HandlingHours == 24.5)
            #expect(pothole.reopened == 1 && pothole.reopenRate == 0.5 && pothole.rated == 1 && pothole.averageRating == 2 && pothole.onTimeRate == 0.5)
            let flooding = try #require(figures.rows.first { $0.unit == "A" && $0.category == "flooding" })
            #expect(flooding.received == 1 && flooding.finished == 0 && flooding.overdue == 0 && flooding.averageHandlingHours == nil)
            let totalA = try #require(figures.rows.first { $0.unit == "A" && $0.category == nil })
            #expect(totalA.received == 3 && totalA.overdue == 1 && totalA.onTimeRate == 2.0 / 3.0 && totalA.reopenRate == 1.0 / 3.0)
            let totalB = try #require(figures.rows.first { $0.unit == "B" && $0.category == nil })
            #expect(totalB.received == 1 && totalB.averageHandlingHours == 9 && totalB.onTimeRate == 1)
            #expect(figures.ranking == ["B", "A"])
            #expect(FieldReportFigures.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9)
        }
    }
}
