import Foundation
import HuesTestSupport
import Logging
import Platform
import Testing
@testable import Workflow

/// Leaders as a test wants them, without the identity module.
struct FixedStaff: StaffDirectory {
    var leaders: [String: [StaffMember]]
    func staff(holding role: Role, in unit: String, logger: Logger) async throws -> [StaffMember] { role == .unitLeader ? leaders[unit] ?? [] : [] }
}

actor PostedNotices: NoticeBoard {
    var posted: [NoticeDraft] = []
    func post(_ notice: NoticeDraft, on database: any Database) async throws { posted.append(notice) }
}

import FluentKit

struct WorkflowStoreTests {
    let logger = Logger(label: "test")

    func prepared(_ database: PlatformDatabase) async throws -> (WorkflowModule, CityProfile) {
        let profile = try CityProfile.demo()
        let module = try WorkflowModule(context: ModuleContext(configuration: .testing(dataDirectory: "/tmp"), profile: profile, database: database,
                                                               secrets: SecretBox(masterKey: .init(size: .bits256))))
        try await database.migrate(EventLog.migrations() + module.migrations, logger: logger)
        return (module, profile)
    }

    let officer = WorkflowActor(id: "o1", name: "Officer", grants: [RoleGrant(role: .officer, unitCode: "phuong-phu-xuan")], isApplicant: false)
    let leader = WorkflowActor(id: "l1", name: "Leader", grants: [RoleGrant(role: .unitLeader, unitCode: "phuong-phu-xuan")], isApplicant: false)

    @Test func twoLeadersApprovingAtOnceSucceedOnceAndEveryStepIsLogged() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            let (module, _) = try await prepared(database)
            let store = module.store
            let id = UUID()
            let now = Date()
            try await database.write(logger: logger) { [officer] db in
                _ = try await store.start(process: "one-stop", id: id, subject: "dossier:race", unit: "phuong-phu-xuan",
                                          competentUnit: "phuong-phu-xuan", deadline: .workingDays(3), actor: officer, at: now, on: db)
                for action in ["receive", "claim", "submit-for-approval"] { _ = try await store.apply(action, to: id, by: officer, on: db) }
            }
            let results = await withTaskGroup(of: Result<String, any Error>.self) { group in
                for _ in 0..<8 {
                    group.addTask { [leader, logger] in
                        do {
                            return .success(try await database.write(logger: logger) { db in try await store.apply("approve", to: id, by: leader, on: db) }.instance.state)
                        } catch { return .failure(error) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let successes = results.filter { if case .success = $0 { return true } else { return false } }
            #expect(successes.count == 1)
            for case .failure(let error) in results {
                let refusal = try #require(error as? TransitionRefusal)
                #expect(refusal.status == .conflict)
            }
            let db = try database.db(logger: logger)
            let history = try await store.history(id, on: db)
            #expect(history.map(\.action) == ["receive", "claim", "submit-for-approval", "approve"])
            let events = try await EventLog.read(after: 0, on: db).filter { $0.subject == "dossier:race" }
            #expect(events.map(\.type) == ["workflow.started"] + Array(repeating: "workflow.transitioned", count: 4))
            #expect(events.last?.actorName == "Leader")
            #expect(events.last?.unitCode == "phuong-phu-xuan")
            #expect(try await EventLog.verify(on: db).isIntact)
        }
    }

    @Test func queuesListTheUnitsWorkByDeadlineAndTheSweepEscalatesOverdueCases() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            let (module, profile) = try await prepared(database)
            let store = module.store
            let calendar = profile.calendar
            let monday = hue("2026-11-30 09:00", calendar)
            try await database.write(logger: logger) { [officer] db in
                for (index, days) in [3, 0, 1].enumerated() {
                    let id = UUID()
                    _ = try await store.start(process: "one-stop", id: id, subject: "dossier:q\(index)", unit: "phuong-phu-xuan",
                                              competentUnit: "phuong-phu-xuan", deadline: .workingDays(days), actor: officer, at: monday, on: db)
                    _ = try await store.apply("receive", to: id, by: officer, at: monday, on: db)
                    _ = try await store.apply("claim", to: id, by: officer, at: monday, on: db)
                }
                let waiting = UUID()
                _ = try await store.start(process: "one-stop", id: waiting, subject: "dossier:waiting", unit: "phuong-phu-xuan",
                                          competentUnit: "phuong-phu-xuan", deadline: .workingDays(0), actor: officer, at: monday, on: db)
                _ = try await store.apply("receive", to: waiting, by: officer, at: monday, on: db)
                _ = try await store.apply("request-supplement", to: waiting, by: officer,
                                          inputs: ActionInputs(reason: "Thiếu giấy tờ", documents: ["CCCD"]), at: monday, on: db)
                return ()
            }
            let db = try database.db(logger: logger)
            let tuesday = hue("2026-12-01 10:00", calendar)
            let open = try await store.queue(kind: "dossier", unit: "phuong-phu-xuan", filter: .open, at: tuesday, on: db)
            #expect(open.count == 3)
            #expect(Array(open.prefix(3)).map(\.subject) == ["dossier:q1", "dossier:q2", "dossier:q0"])
            let overdue = try await store.queue(kind: "dossier", unit: "phuong-phu-xuan", filter: .overdue, at: tuesday, on: db)
            #expect(overdue.map(\.subject) == ["dossier:q1"])
            let dueSoon = try await store.queue(kind: "dossier", unit: "phuong-phu-xuan", filter: .dueSoon, at: tuesday, on: db)
            #expect(dueSoon.map(\.subject) == ["dossier:q2"])
            let waiting = try await store.queue(kind: "dossier", unit: "phuong-phu-xuan", filter: .waitingForApplicant, at: tuesday, on: db)
            #expect(waiting.map(\.subject) == ["dossier:waiting"])
            let mine = try await store.queue(kind: "dossier", officer: "o1", filter: .open, at: tuesday, on: db)
            #expect(mine.count == 3)
            let backlog = try await store.backlog(kind: "dossier", unit: "phuong-phu-xuan", at: tuesday, on: db)
            #expect(backlog[.open] == 4 && backlog[.overdue] == 1 && backlog[.waitingForApplicant] == 1)

            let notices = PostedNotices()
            let sweep = EscalationSweep(database: database, store: store,
                                        staff: FixedStaff(leaders: ["phuong-phu-xuan": [StaffMember(accountID: "leader-ward", name: "Ward leader")],
                                                                    "hue": [StaffMember(accountID: "leader-city", name: "City leader")]]),
                                        notices: notices, profile: profile)
            let first = try await sweep.run(at: tuesday, logger: logger)
            #expect(first == [.init(subject: "dossier:q1", level: 1, notified: ["leader-ward"])])
            #expect(try await sweep.run(at: tuesday, logger: logger).isEmpty)  // once per level
            let later = try await sweep.run(at: hue("2026-12-03 10:00", calendar), logger: logger)
            #expect(later.contains(.init(subject: "dossier:q1", level: 2, notified: ["leader-city"])))
            #expect(await notices.posted.map(\.recipient).contains("leader-city"))
        }
    }
}
