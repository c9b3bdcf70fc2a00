import Foundation
import Platform

/// One case moving through a process: where it is, who holds it and how its deadline stands.
public struct WorkflowInstance: Codable, Sendable, Equatable {
    /// Whose turn it is: the unit's (the deadline runs) or the applicant's (it is paused).
    public enum Holder: String, Codable, Sendable {
        case unit
        case applicant
        case nobody
    }

    public var id: UUID
    public var process: String
    /// What the case is about, as `kind:reference` (`dossier:000.00.31.H57-261130-0001`).
    public var subject: String
    public var state: String
    /// The unit that holds the case now.
    public var unitCode: String
    /// The unit the law makes responsible; receipt hands the case over to it.
    public var competentUnitCode: String
    public var officerID: String?
    public var officerName: String?
    /// The whole process's deadline rule and, for same-day procedures, the cut-off after which the day is lost.
    public var deadlineRule: DeadlineRule
    public var cutOff: LocalTime?
    /// Starts at receipt.
    public var clock: DeadlineClock?
    public var stepDue: Date?
    public var openBranches: [String]
    public var supplementRequests: Int
    public var escalationLevel: Int
    public var escalatedAt: Date?
    public var finishedAt: Date?
    public var onTime: Bool?
    public var createdAt: Date
    public var updatedAt: Date
    /// Bumped by every change; a change made against an older version is refused (two officers, one case).
    public var version: Int

    /// The deadline that applies now: the earlier of the step's and the whole process's, or none while paused.
    public var kind: String { subject.split(separator: ":", maxSplits: 1).first.map(String.init) ?? subject }

    public var effectiveDue: Date? {
        if clock?.isPaused ?? false { return nil }
        switch (stepDue, clock?.due) {
        case let (step?, whole?): return min(step, whole)
        case let (step?, nil): return step
        case let (nil, whole?): return whole
        case (nil, nil): return nil
        }
    }

    public func holder(in definition: ProcessDefinition) -> Holder {
        guard let state = definition.state(state), !state.isTerminal else { return .nobody }
        return state.isPaused ? .applicant : .unit
    }

    public func isOpen(in definition: ProcessDefinition) -> Bool { !(definition.state(state)?.isTerminal ?? true) }

    /// Late by the process's on-time rule: finished after the legal deadline (time waiting for the applicant
    /// excluded), or more supplement requests than the rule allows. Open cases are late once the deadline passed.
    public func isLate(at moment: Date, rule: ProcessDefinition.OnTimeRule?) -> Bool {
        if let onTime { return !onTime }
        if let limit = rule?.maxSupplementRequests, supplementRequests > limit { return true }
        guard let clock else { return false }
        return clock.isPaused ? (clock.pausedAt ?? moment) > clock.legalDue : moment > clock.legalDue
    }
}

/// Who takes an action: their account, their roles and whether they are the applicant of this case.
public struct WorkflowActor: Sendable {
    public var id: String?
    public var name: String
    public var grants: [RoleGrant]
    public var isApplicant: Bool

    public init(id: String?, name: String, grants: [RoleGrant], isApplicant: Bool) {
        self.id = id
        self.name = name
        self.grants = grants
        self.isApplicant = isApplicant
    }

    /// The platform itself (escalation timer, demo seed).
    public static let system = WorkflowActor(id: nil, name: "system", grants: [RoleGrant(role: .admin)], isApplicant: false)

    public func holds(_ role: Role, in unit: String) -> Bool {
        grants.has(role, in: unit)
    }
}

/// What an action carries besides its name.
public struct ActionInputs: Codable, Sendable, Equatable {
    public struct Officer: Codable, Sendable, Equatable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var note: String?
    public var reason: String?
    /// How much longer an apology letter asks for.
    public var extendBy: DeadlineRule?
    public var branch: String?
    public var officer: Officer?
    public var documents: [String]?
    /// The unit a case is routed or transferred to.
    public var unit: String?

    public init(note: String? = nil, reason: String? = nil, extendBy: DeadlineRule? = nil, branch: String? = nil, officer: Officer? = nil,
                documents: [String]? = nil, unit: String? = nil) {
        self.unit = unit
        self.note = note
        self.reason = reason
        self.extendBy = extendBy
        self.branch = branch
        self.officer = officer
        self.documents = documents
    }

    enum CodingKeys: String, CodingKey {
        case note, reason, branch, officer, documents, unit
        case extendBy = "extension"
    }

    func provides(_ input: ProcessDefinition.Input) -> Bool {
        switch input {
        case .note: return !(note ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .reason: return !(reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .extendBy: return extendBy != nil
        case .branch: return !(branch ?? "").isEmpty
        case .officer: return officer != nil
        case .documents: return !(documents ?? []).isEmpty
        case .unit: return !(unit ?? "").isEmpty
        }
    }
}

/// One step of a case's history.
public struct WorkflowTransition: Codable, Sendable, Equatable {
    public var instanceID: UUID
    public var action: String
    public var fromState: String
    public var toState: String
    public var actorID: String?
    public var actorName: String
    public var unitCode: String
    public var note: String?
    public var reason: String?
    public var at: Date
    /// The deadline after the step (it moves with pauses and extensions).
    public var dueAfter: Date?
}
