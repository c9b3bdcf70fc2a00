import Foundation
import HuesTestSupport
import Logging
import Platform
import Testing
@testable import Workflow

/// How the workflow's steps read for the live figures: a case waiting on the applicant or ended unfinished is not
/// open, and a finished case counts once however many steps follow.
struct WorkflowLiveFiguresTests {
    let logger = Logger(label: "test")
    let officer = WorkflowActor(id: "o1", name: "Officer", grants: [RoleGrant(role: .officer, unitCode: "phuong-phu-xuan")], isApplicant: false)
    let applicant = WorkflowActor(id: "c1", name: "Citizen", grants: [], isApplicant: true)
    let leader = WorkflowActor(id: "l1", name: "Leader", grants: [RoleGrant(role: .unitLeader, unitCode: "phuong-phu-xuan")], isApplicant: false)

    /// The changes each step of one case makes to an interpreter, in order.
    func changes(_ subject: String, _ interpret: @Sendable (LiveEvent) -> [LiveChange], on database: PlatformDatabase) async throws -> [[LiveChange]] {
        let events = try await EventLog.read(after: 0, on: try database.db(logger: logger)).filter { $0.subject == subject }
        return try events.map { logged in
            let payload = try #require(try JSONParser.parse(Array(logged.payload.utf8), maximumDepth: 16).object)
            return interpret(LiveEvent(type: logged.type, subject: logged.subject, unit: logged.unitCode, actor: logged.actorID,
                                       occurredAt: logged.occurredAt, payload: payload))
        }
    }

    func isClose(_ changes: [LiveChange]) -> Bool { if case .close = changes.first, changes.count == 1 { true } else { false } }
    func isOpen(_ changes: [LiveChange]) -> Bool { if case .open = changes.first, changes.count == 1 { true } else { false } }

    @Test func aCaseWaitingOnTheApplicantOrRefusedIsNotOpenAndAFinishedOneCountsOnce() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            let module = try WorkflowModule(context: ModuleContext(configuration: .testing(dataDirectory: "/tmp"), profile: try CityProfile.demo(),
                                                                   database: database, secrets: SecretBox(masterKey: .init(size: .bits256))))
            try await database.migrate(EventLog.migrations() + module.migrations, logger: logger)
            let store = module.store
            let refused = UUID(), done = UUID()
            try await database.write(logger: logger) { [officer, leader, applicant] db in
                for (id, subject) in [(refused, "dossier:refused"), (done, "dossier:done")] {
                    _ = try await store.start(process: "one-stop", id: id, subject: subject, unit: "phuong-phu-xuan",
                                              competentUnit: "phuong-phu-xuan", deadline: .workingDays(3), actor: officer, at: Date(), on: db)
                }
                let reason = ActionInputs(reason: "Thiếu giấy tờ", documents: ["CCCD"])
                _ = try await store.apply("request-correction", to: refused, by: officer, inputs: reason, on: db)
                _ = try await store.apply("correct", to: refused, by: applicant, on: db)
                _ = try await store.apply("refuse-intake", to: refused, by: officer, inputs: reason, on: db)
                for action in ["receive", "claim", "submit-for-approval"] { _ = try await store.apply(action, to: done, by: officer, on: db) }
                for action in ["approve", "issue-result", "return-result"] { _ = try await store.apply(action, to: done, by: leader, on: db) }
            }
            // started, awaiting correction, corrected (open again), refused: open, closed, open, closed.
            let open = WorkflowLiveFigures.openCases(of: "dossier")
            let refusedSteps = try await changes("dossier:refused", open, on: database)
            #expect(refusedSteps.count == 4)
            #expect(isOpen(refusedSteps[0]) && isClose(refusedSteps[1]) && isOpen(refusedSteps[2]) && isClose(refusedSteps[3]), "\(refusedSteps)")
            // Never finished, so never counted on time or late.
            #expect(try await changes("dossier:refused", WorkflowLiveFigures.finishedCases(of: "dossier"), on: database).allSatisfy(\.isEmpty))

            // The finished case closes for good, and is counted by one step only, on time.
            let doneSteps = try await changes("dossier:done", open, on: database)
            #expect(isOpen(doneSteps[0]) && isClose(doneSteps.last ?? []), "\(doneSteps)")
            let counted = try await changes("dossier:done", WorkflowLiveFigures.finishedCases(of: "dossier"), on: database).filter { !$0.isEmpty }
            #expect(counted == [[.open(key: "dossier:done", unit: "phuong-phu-xuan", category: "on-time")]], "\(counted)")
            // Another kind's interpreter ignores them.
            #expect(try await changes("dossier:done", WorkflowLiveFigures.openCases(of: "field-report"), on: database).allSatisfy(\.isEmpty))
        }
    }
}
