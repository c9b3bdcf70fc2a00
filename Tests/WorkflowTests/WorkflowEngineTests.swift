import Foundation
import Platform
import Testing
@testable import Workflow

/// Moments in Hue time, to read tests as an officer would.
func hue(_ text: String, _ calendar: WorkCalendar) -> Date {
    let parts = text.split(separator: " ")
    let date = CivilDate(String(parts[0]))!
    let time = LocalTime(String(parts[1]))!
    return calendar.instant(date, time)
}

struct WorkflowEngineTests {
    let profile: CityProfile
    let library: ProcessLibrary
    let engine: WorkflowEngine
    let oneStop: ProcessDefinition

    init() throws {
        profile = try CityProfile.demo()
        library = try ProcessLibrary(profile: profile)
        engine = WorkflowEngine(calendar: profile.calendar)
        oneStop = try #require(library["one-stop"])
    }

    let officer = WorkflowActor(id: "officer-1", name: "Cán bộ A", grants: [RoleGrant(role: .officer, unitCode: "phuong-phu-xuan")], isApplicant: false)
    let leader = WorkflowActor(id: "leader-1", name: "Lãnh đạo B", grants: [RoleGrant(role: .unitLeader, unitCode: "phuong-phu-xuan")],
                               isApplicant: false)
    let applicant = WorkflowActor(id: "citizen-1", name: "Nguyễn Văn C", grants: [RoleGrant(role: .citizen)], isApplicant: true)
    let stranger = WorkflowActor(id: "officer-9", name: "Cán bộ khác", grants: [RoleGrant(role: .officer, unitCode: "xa-a-luoi-1")],
                                 isApplicant: false)

    func started(at text: String, deadline: DeadlineRule = .workingDays(3)) -> WorkflowInstance {
        engine.start(oneStop, subject: "dossier:test", unit: "phuong-phu-xuan", competentUnit: "phuong-phu-xuan", deadline: deadline,
                     at: hue(text, profile.calendar))
    }

    func step(_ instance: WorkflowInstance, _ action: String, by actor: WorkflowActor, at text: String, inputs: ActionInputs = ActionInputs())
        throws -> WorkflowInstance
    {
        try engine.apply(action, to: instance, definition: oneStop, by: actor, inputs: inputs, at: hue(text, profile.calendar)).0
    }

    @Test func theBundledProcessesAreValidAndCarryTheirReportingCodes() throws {
        #expect(library.processes.count >= 2)
        for definition in library.processes.values {
            #expect(definition.problems().isEmpty)
        }
        // The engine carries codes for outside registers as data; it does not know what they mean.
        #expect(oneStop.state("awaiting-supplement")?.reportedAs == ["national-dossier-status": 5])
        #expect(oneStop.state("returned")?.reportedAs == ["national-dossier-status": 10])
        #expect(oneStop.onTime?.maxSupplementRequests == 1)
    }

    @Test func brokenDefinitionsAreRefusedWithEveryProblemNamed() throws {
        var broken = oneStop
        broken.states.append(.init(code: "limbo", name: "Limbo"))
        broken.actions[0].roles = []
        broken.actions[1].to = "nowhere"
        broken.states = broken.states.map { var state = $0; state.terminal = false; return state }
        let problems = broken.problems()
        #expect(problems.contains { $0.contains("no terminal state") })
        #expect(problems.contains { $0.contains("'limbo' cannot be reached") })
        #expect(problems.contains { $0.contains("action 'receive': no roles") })
        #expect(problems.contains { $0.contains("unknown target state 'nowhere'") })
        #expect(throws: ConfigurationError.self) { try ProcessLibrary([broken]) }
        // Staff work (Decree 335): units within bounds, never the applicant's, and a fault names another working step.
        var work = oneStop
        for index in work.actions.indices {
            switch work.actions[index].code {
            case "receive": work.actions[index].work = 11
            case "correct": work.actions[index].work = 1
            case "return-for-rework": work.actions[index].faultOf = ["claim"]
            case "approve": work.actions[index].faultOf = ["approve"]
            case "claim": work.actions[index].milestone = "celebrated"
            default: break
            }
        }
        let workProblems = work.problems()
        #expect(workProblems.contains { $0.contains("'receive': work must be more than 0 and at most 10") })
        #expect(workProblems.contains { $0.contains("'correct': the applicant's steps are not staff work") })
        #expect(workProblems.contains { $0.contains("'return-for-rework': faults 'claim'") })
        #expect(workProblems.contains { $0.contains("'approve': faults 'approve'") })
        #expect(workProblems.contains { $0.contains("'claim': unknown milestone 'celebrated'") })
    }

    @Test func aDossierGoesFromFilingToReturnOnTime() throws {
        var instance = started(at: "2026-11-30 09:00")
        #expect(instance.clock == nil)  // the deadline counts from receipt, not from filing
        instance = try step(instance, "receive", by: officer, at: "2026-11-30 10:00")
        // 3 working days from Monday 30/11: close of office on Thursday 03/12.
        #expect(instance.clock?.due == profile.calendar.closeOfOffice(on: CivilDate("2026-12-03")!))
        instance = try step(instance, "claim", by: officer, at: "2026-11-30 10:05")
        #expect(instance.officerID == "officer-1")
        instance = try step(instance, "submit-for-approval", by: officer, at: "2026-12-01 09:00")
        instance = try step(instance, "approve", by: leader, at: "2026-12-01 14:00")
        #expect(instance.onTime == true)
        #expect(instance.finishedAt == hue("2026-12-01 14:00", profile.calendar))
        instance = try step(instance, "issue-result", by: officer, at: "2026-12-02 08:00")
        instance = try step(instance, "return-result", by: officer, at: "2026-12-02 09:00")
        #expect(instance.state == "returned")
        #expect(!instance.isOpen(in: oneStop))
        #expect(instance.version == 7)
    }

    @Test func refusalsSayWhy() throws {
        let instance = started(at: "2026-11-30 09:00")
        #expect(throws: TransitionRefusal.notAllowedInState(action: "approve", state: "submitted", allowed: ["receive", "request-correction", "refuse-intake"])) {
            try step(instance, "approve", by: officer, at: "2026-11-30 09:10")
        }
        #expect(throws: TransitionRefusal.roleNotAllowed(action: "receive", roles: ["officer"], unit: "phuong-phu-xuan")) {
            try step(instance, "receive", by: stranger, at: "2026-11-30 09:10")
        }
        #expect(throws: TransitionRefusal.missingInputs(action: "refuse-intake", inputs: ["reason"])) {
            try step(instance, "refuse-intake", by: officer, at: "2026-11-30 09:10", inputs: ActionInputs(reason: "  "))
        }
        #expect(throws: TransitionRefusal.unknownAction("teleport")) { try step(instance, "teleport", by: officer, at: "2026-11-30 09:10") }
        // The applicant may withdraw, an officer of the unit may not do it for them.
        #expect(throws: TransitionRefusal.self) { try step(instance, "withdraw", by: officer, at: "2026-11-30 09:10", inputs: ActionInputs(reason: "x")) }
        let withdrawn = try step(instance, "withdraw", by: applicant, at: "2026-11-30 09:10", inputs: ActionInputs(reason: "Nộp nhầm"))
        #expect(withdrawn.state == "withdrawn")
    }

    @Test func aSupplementRequestPausesTheClockAndASecondOneMakesItLate() throws {
        var instance = started(at: "2026-11-30 09:00")
        instance = try step(instance, "receive", by: officer, at: "2026-11-30 09:00")
        instance = try step(instance, "claim", by: officer, at: "2026-11-30 09:30")
        let supplement = ActionInputs(reason: "Thiếu bản sao CCCD", documents: ["Bản sao căn cước"])
        instance = try step(instance, "request-supplement", by: officer, at: "2026-12-01 09:00", inputs: supplement)
        #expect(instance.holder(in: oneStop) == .applicant)
        #expect(instance.effectiveDue == nil)
        // The applicant answers a week later (5 working days of 7.5 office hours); the time left is granted again from then.
        instance = try step(instance, "supplement", by: applicant, at: "2026-12-08 09:00")
        #expect(instance.clock?.pausedWorkingSeconds == 5 * 27_000)
        #expect(instance.clock?.due == hue("2026-12-10 17:00", profile.calendar))
        #expect(instance.clock?.legalDue == instance.clock?.due)
        instance = try step(instance, "request-supplement", by: officer, at: "2026-12-08 10:00", inputs: supplement)
        instance = try step(instance, "supplement", by: applicant, at: "2026-12-08 11:00")
        instance = try step(instance, "submit-for-approval", by: officer, at: "2026-12-08 14:00")
        instance = try step(instance, "approve", by: leader, at: "2026-12-08 15:00")
        #expect(instance.supplementRequests == 2)
        #expect(instance.onTime == false)  // in time, but two supplement requests count late (Decision 766, 2.1)
    }

    @Test func anExtensionRedatesTheCaseButNotTheLegalDeadline() throws {
        var instance = started(at: "2026-11-30 09:00", deadline: .workingDays(1))
        instance = try step(instance, "receive", by: officer, at: "2026-11-30 09:00")
        instance = try step(instance, "claim", by: officer, at: "2026-11-30 09:05")
        #expect(throws: TransitionRefusal.missingInputs(action: "extend", inputs: ["extension"])) {
            try step(instance, "extend", by: officer, at: "2026-12-01 16:00", inputs: ActionInputs(reason: "Cần xác minh"))
        }
        instance = try step(instance, "extend", by: officer, at: "2026-12-01 16:00",
                            inputs: ActionInputs(reason: "Cần xác minh thêm", extendBy: .workingDays(2)))
        #expect(instance.clock?.due == hue("2026-12-03 17:00", profile.calendar))
        #expect(instance.clock?.legalDue == hue("2026-12-01 17:00", profile.calendar))
        #expect(instance.state == "processing")
        instance = try step(instance, "submit-for-approval", by: officer, at: "2026-12-02 09:00")
        instance = try step(instance, "approve", by: leader, at: "2026-12-02 10:00")
        #expect(instance.onTime == false)  // an apology does not make a late dossier on time
    }

    @Test func parallelStepsMustAllCloseBeforeTheStateIsLeft() throws {
        let consultation = try #require(library["one-stop-consultation"])
        var instance = engine.start(consultation, subject: "dossier:permit", unit: "phuong-phu-xuan", competentUnit: "phuong-phu-xuan",
                                    deadline: .workingDays(15), at: hue("2026-11-30 09:00", profile.calendar))
        let at = hue("2026-11-30 10:00", profile.calendar)
        instance = try engine.apply("receive", to: instance, definition: consultation, by: officer, inputs: .init(), at: at).0
        instance = try engine.apply("claim", to: instance, definition: consultation, by: officer, inputs: .init(), at: at).0
        instance = try engine.apply("consult", to: instance, definition: consultation, by: officer, inputs: .init(), at: at).0
        #expect(instance.openBranches == ["planning", "land"])
        #expect(throws: TransitionRefusal.parallelStepsOpen(action: "conclude-consultation", open: ["planning", "land"])) {
            try engine.apply("conclude-consultation", to: instance, definition: consultation, by: officer, inputs: .init(), at: at)
        }
        let construction = WorkflowActor(id: "xd", name: "Sở Xây dựng", grants: [RoleGrant(role: .officer, unitCode: "so-xay-dung")], isApplicant: false)
        // The construction department gives the planning opinion, not the land one.
        #expect(throws: TransitionRefusal.self) {
            try engine.apply("give-opinion", to: instance, definition: consultation, by: construction,
                             inputs: .init(note: "Đồng ý", branch: "land"), at: at)
        }
        instance = try engine.apply("give-opinion", to: instance, definition: consultation, by: construction,
                                    inputs: .init(note: "Phù hợp quy hoạch", branch: "planning"), at: at).0
        instance = try engine.apply("give-opinion", to: instance, definition: consultation, by: officer,
                                    inputs: .init(note: "Đất ở hợp pháp", branch: "land"), at: at).0
        #expect(instance.openBranches.isEmpty)
        instance = try engine.apply("conclude-consultation", to: instance, definition: consultation, by: officer, inputs: .init(), at: at).0
        #expect(instance.state == "processing")
    }

    @Test func escalationGoesUpOneLevelPerInterval() throws {
        var instance = started(at: "2026-11-30 09:00", deadline: .workingDays(0))
        instance = try step(instance, "receive", by: officer, at: "2026-11-30 09:00")
        instance = try step(instance, "claim", by: officer, at: "2026-11-30 09:10")
        #expect(engine.escalate(instance, definition: oneStop, at: hue("2026-11-30 16:00", profile.calendar)) == nil)
        let first = try #require(engine.escalate(instance, definition: oneStop, at: hue("2026-11-30 18:00", profile.calendar)))
        #expect(first.escalationLevel == 1)
        #expect(engine.escalate(first, definition: oneStop, at: hue("2026-12-01 09:00", profile.calendar)) == nil)
        let second = try #require(engine.escalate(first, definition: oneStop, at: hue("2026-12-02 09:00", profile.calendar)))
        #expect(second.escalationLevel == 2)
        #expect(engine.escalate(second, definition: oneStop, at: hue("2026-12-20 09:00", profile.calendar)) == nil)
    }
}
