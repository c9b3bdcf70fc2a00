import Foundation
import HuesTestSupport
import Logging
import Testing

@testable import Performance
@testable import Platform

/// Decree 335/2025 scores over a small fixed week of work in unit A, computed by hand below.
@Suite struct OfficerScoringTests {
    let logger = Logger(label: "test")

    struct Staff: StaffDirectory {
        func staff(holding role: Role, in unit: String, logger: Logger) async throws -> [StaffMember] {
            guard unit == "A" else { return [] }
            switch role {
            case .unitLeader: return [StaffMember(accountID: "L", name: "Lãnh đạo")]
            case .officer: return [StaffMember(accountID: "o1", name: "Lan"), StaffMember(accountID: "o2", name: "Minh"), StaffMember(accountID: "o3", name: "Nga")]
            default: return []
            }
        }
        func profile(username: String, logger: Logger) async throws -> StaffProfile? { nil }
    }

    static func at(_ day: Int, _ hour: Int) -> Date {
        ScorecardTests.at("2026-11-0\(day)T\(hour < 10 ? "0" : "")\(hour):00:00+07:00")
    }

    static func step(_ subject: String, _ action: String, by actor: String, day: Int, hour: Int, work: Double? = nil, late: Bool = false,
                     faultOf: String? = nil, finished: Bool? = nil, onTime: Bool? = nil) -> DomainEvent {
        var payload = #""action":"\#(action)","competentUnit":"A","unit":"A""#
        if let work { payload += #","work":\#(work),"stepLate":\#(late)"# }
        if let faultOf { payload += #","faultOf":["\#(faultOf)"]"# }
        if let finished { payload += #","finished":\#(finished)"# }
        if let onTime { payload += #","onTime":\#(onTime)"# }
        return DomainEvent(type: "workflow.transitioned", actorID: actor, actorName: actor, unitCode: "A", subject: subject, rawPayload: "{\(payload)}",
                           occurredAt: at(day, hour))
    }

    /// 2–6 November 2026 (five working days). By hand, with a target of 1 standard unit a day (5) and the big
    /// procedure weighing 2:
    /// A step taken again on a case by the same person is the same product (no more units; late if any take was).
    /// - Lan (o1): receive d1 0.5 × 2 = 1; resolve r1 1, reopened (quality 0.75) and resolved again late (progress
    ///   0.75). Units 2, quantity 0.4, quality 0.875, progress 0.875 → 70 × 2.15 / 3 = 50.17.
    /// - Minh (o2): submit d1 2, late (progress 0.75) and returned for rework (quality 0.75); submitted again: the
    ///   same product. Units 2, quantity 0.4 → 70 × 1.9 / 3 = 44.33; 50.17 once the delay is excused.
    /// - Nga (o3): no work → 0. The leader: unit A's Decision 766 result, 38 of 50 points → 70 × 0.76 = 53.2.
    static let week: [DomainEvent] = [
        DomainEvent(type: "workflow.started", actorName: "citizen", unitCode: "A", subject: "dossier:d1",
                    rawPayload: #"{"competentUnit":"A","due":"2026-11-09T17:00:00+07:00","process":"one-stop","state":"submitted"}"#, occurredAt: at(2, 8)),
        DomainEvent(type: "public-services.dossier.filed", actorName: "citizen", unitCode: "A", subject: "dossier:d1",
                    rawPayload: #"{"channel":"online","procedure":"P-big"}"#, occurredAt: at(2, 8)),
        step("dossier:d1", "receive", by: "o1", day: 2, hour: 9, work: 0.5),
        DomainEvent(type: "workflow.started", actorName: "citizen", unitCode: "A", subject: "field-report:r1",
                    rawPayload: #"{"competentUnit":"A","due":"2026-11-05T17:00:00+07:00","process":"field-report","state":"submitted"}"#, occurredAt: at(2, 10)),
        DomainEvent(type: "field-report.filed", actorName: "citizen", unitCode: "A", subject: "field-report:r1",
                    rawPayload: #"{"category":"pothole","channel":"app"}"#, occurredAt: at(2, 10)),
        step("dossier:d1", "submit-for-approval", by: "o2", day: 3, hour: 9, work: 1, late: true),
        step("field-report:r1", "resolve", by: "o1", day: 3, hour: 10, work: 1, finished: true, onTime: true),
        step("dossier:d1", "return-for-rework", by: "L", day: 3, hour: 11, faultOf: "submit-for-approval"),
        step("field-report:r1", "reopen", by: "citizen", day: 4, hour: 9, faultOf: "resolve", finished: false),
        step("dossier:d1", "submit-for-approval", by: "o2", day: 4, hour: 10, work: 1),
        step("dossier:d1", "approve", by: "L", day: 5, hour: 9, work: 0.5, finished: true, onTime: true),
        step("field-report:r1", "resolve", by: "o1", day: 6, hour: 9, work: 1, late: true, finished: true, onTime: false),
    ]

    func reading(_ database: PlatformDatabase) throws -> OfficerReading {
        let cards = ScorecardReading(database: database, profile: try CityProfile.demo(), indicators: ScorecardTests.indicators,
                                     clock: { ScorecardTests.at("2026-12-01T00:00:00+07:00") })
        return OfficerReading(cards: cards, rules: OfficerRules(dailyTarget: 1, weights: ["dossier": ["P-big": 2]]), staff: Staff())
    }

    func prepared(_ database: PlatformDatabase, batchSize: Int = 100) async throws {
        try await database.migrate(EventLog.migrations() + [CreatePerformanceTables(), CreateOfficerTables(), CreateOutsideFigures(), CreateEmulationTables(), CreateTallyIndex()], logger: logger)
        try await database.write(logger: logger) { db in try await EventLog.append(contentsOf: Self.week, on: db) }
        try await CaseProjection(database: database, batchSize: batchSize).catchUp(logger: logger)
    }

    static let span = ReportingPeriod("2026-11-02..2026-11-06")

    @Test func scoresFromTheWorkOfAWeekMatchTheOnesComputedByHand() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await prepared(database)
            let period = try #require(Self.span)
            let scored = try await reading(database).scores(unit: "A", period: period, logger: logger)
            #expect(scored.target == 5)
            let people = Dictionary(uniqueKeysWithValues: scored.people.map { ($0.officerID, $0) })
            let lan = try #require(people["o1"])
            #expect(lan.units == 2 && lan.quantity == 0.4 && lan.productCount == 2)
            #expect(lan.quality == 0.875 && lan.progress == 0.875 && lan.taskPoints == 50.17)
            // Every figure names its events: the reopening is the fault of the resolve, late by its second take.
            let reopened = try #require(lan.products.first { $0.action == "resolve" })
            #expect(reopened.quality == 0.75 && reopened.progress == 0.75 && reopened.faults.count == 1)
            let minh = try #require(people["o2"])
            #expect(minh.units == 2 && minh.quantity == 0.4 && minh.quality == 0.75 && minh.progress == 0.75 && minh.taskPoints == 44.33)
            #expect(people["o3"]?.taskPoints == 0 && people["o3"]?.quality == nil && people["o3"]?.productCount == 0)
            let leader = try #require(people["L"])
            #expect(leader.leader && leader.taskPoints == 53.2)
            // No general part entered yet: no grade.
            #expect(scored.people.allSatisfy { $0.grade == nil && $0.total == nil })
        }
    }

    @Test func anExcusedDelayCostsNothingAndTheGradesFollowTheGeneralPart() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await prepared(database)
            let period = try #require(Self.span)
            let sql = try database.sql(logger: logger)
            let late = try #require(try await WorkProducts.all(on: sql).first { $0.officerID == "o2" && $0.late })
            try await database.write(logger: logger) { db in
                try await LeaderEntries.excuse(late, reason: "Mất điện cả phường", by: "L", actorID: "L", at: Self.at(6, 12), on: db)
                for (officer, points, disqualified) in [("o1", 30.0, false), ("o2", 30.0, false), ("o3", 28.0, true)] {
                    try await LeaderEntries.save(Assessment(officerID: officer, unitCode: "A", period: period.label, generalPoints: points,
                                                            disqualified: disqualified, note: "", enteredBy: "L", enteredAt: Self.at(6, 12)),
                                                 actorID: "L", on: db)
                }
            }
            let people = Dictionary(uniqueKeysWithValues: try await reading(database).scores(unit: "A", period: period, logger: logger).people
                .map { ($0.officerID, $0) })
            let minh = try #require(people["o2"])
            #expect(minh.progress == 1 && minh.taskPoints == 50.17 && minh.total == 80.17 && minh.grade == .good && !minh.capped)
            #expect(minh.products.first { $0.late }?.excused == "Mất điện cả phường")
            #expect(people["o1"]?.total == 80.17 && people["o1"]?.grade == .good)
            #expect(people["o3"]?.grade == .notCompleted)
            // The entries are in the log.
            let events = try await EventLog.read(after: 0, limit: 100, on: try database.db(logger: logger)).map(\.type)
            #expect(events.filter { $0 == "performance.assessment.entered" }.count == 3 && events.contains("performance.delay.excused"))
        }
    }

    @Test func excellentIsCappedAtAFifthOfThoseGradedGoodOrBetter() {
        func person(_ id: String, task: Double) -> OfficerScore {
            OfficerScore(officerID: id, name: id, unit: "A", leader: false, products: [], productCount: 0, units: 0, target: 0, quantity: 0, quality: nil,
                         progress: nil, taskPoints: task, generalPoints: nil, disqualified: false, total: nil, grade: nil, capped: false, explanation: [:])
        }
        let tasks = ["a": 65.0, "b": 63, "c": 61, "d": 50, "e": 45, "f": 10]
        let entries = Dictionary(uniqueKeysWithValues: tasks.keys.map { id in
            (id, Assessment(officerID: id, unitCode: "A", period: "2026-11", generalPoints: 30, disqualified: false, note: "", enteredBy: "L",
                            enteredAt: Date(timeIntervalSince1970: 0)))
        })
        let graded = Dictionary(uniqueKeysWithValues: OfficerScoring.grade(tasks.map { person($0.key, task: $0.value) }, entries: entries).map { ($0.officerID, $0) })
        // Five graded Good or better (95, 93, 91, 80, 75): one Excellent, the highest.
        #expect(graded["a"]?.grade == .excellent && graded["a"]?.capped == false)
        #expect(graded["b"]?.grade == .good && graded["b"]?.capped == true && graded["c"]?.capped == true)
        #expect(graded["d"]?.grade == .good && graded["e"]?.grade == .good && graded["f"]?.grade == .notCompleted)
        #expect(OfficerGrade.of(points: 69.99) == .completed && OfficerGrade.of(points: 50) == .completed && OfficerGrade.of(points: 49.99) == .notCompleted)
    }

    @Test func productsRebuiltFromScratchEqualTheOnesKeptUpIncrementally() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            // Batches of three split a fault from the step it finds fault with.
            try await prepared(database, batchSize: 3)
            let sql = try database.sql(logger: logger)
            let incremental = try await WorkProducts.all(on: sql)
            #expect(incremental.count == 4 && incremental.filter { !$0.faults.isEmpty }.count == 2)
            try await CaseProjection(database: database).rebuild(logger: logger)
            #expect(try await WorkProducts.all(on: sql) == incremental)
        }
    }
}
