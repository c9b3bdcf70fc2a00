import Foundation
import Platform

/// A process as the city writes it in `processes.json`: states, the actions that move between them and who may take
/// them. The engine knows no process by name; dossiers and field reports are both data.
public struct ProcessDefinition: Codable, Sendable, Equatable {
    public struct State: Codable, Sendable, Equatable {
        /// Whether the deadline runs in this state. `paused` is the citizen's turn (a supplement request, a fee to pay).
        public enum Clock: String, Codable, Sendable {
            case running
            case paused
        }

        public var code: String
        public var name: String
        public var nameEn: String?
        /// Codes this state is reported as in registers outside the platform, by register (public services reports
        /// dossiers as `national-dossier-status` 1–10). The engine only carries them into its events.
        public var reportedAs: [String: Int]?
        public var terminal: Bool?
        public var clock: Clock?
        /// How long the process may stay in this state (the step's own deadline, on top of the whole process's).
        public var deadline: DeadlineRule?
        /// Steps that run side by side while the process is in this state (opinions of other units, say); the
        /// state can only be left once each has been completed, unless the action interrupts.
        public var parallel: [Branch]?

        public var isTerminal: Bool { terminal ?? false }
        public var isPaused: Bool { clock == .paused }
    }

    public struct Branch: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var nameEn: String?
        /// The unit whose officers complete this step; the process's own unit when absent.
        public var unit: String?
    }

    /// What an action does besides moving the state.
    public enum Effect: String, Codable, Sendable, CaseIterable {
        /// Receipt: the deadline starts counting and the process passes to the competent unit.
        case receive
        /// The acting officer takes the case.
        case claim
        /// A leader gives the case to the officer named in the input `officer`.
        case assign
        /// An apology letter re-dates the deadline by the input `extension`.
        case extend
        /// Counts as a supplement request (the process's on-time rule may limit how many a case may have).
        case supplementRequest = "supplement-request"
        /// Processing ends here (processed, refused or stopped): the on-time verdict is taken at this moment.
        case finish
        /// Completes the parallel step named in the input `branch`.
        case completeBranch = "complete-branch"
        /// The case passes to the unit named in the input `unit` (a ward hands a report to a department); whoever had
        /// taken it lets go, the deadline keeps running.
        case transfer
        /// Routing at receipt: the input `unit`, when given, replaces the unit the case was routed to.
        case route
        /// The person who filed says the work was not done: the finish verdict is cleared and a fresh deadline runs.
        case reopen
    }

    public enum Input: String, Codable, Sendable, CaseIterable {
        case note
        case reason
        case extendBy = "extension"
        case branch
        case officer
        case documents
        case unit
    }

    public struct Action: Codable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var nameEn: String?
        public var from: [String]
        public var to: String
        /// Role names (`officer`, `unit_leader`, …) held in the process's unit, or `applicant` for the person who
        /// filed. There is no default: an action without roles is a definition error.
        public var roles: [String]
        public var inputs: [Input]?
        public var effects: [Effect]?
        /// May leave a state whose parallel steps are still open (refusal, withdrawal).
        public var interrupts: Bool?
        /// The standard units of work (Decree 335/2025's "products") this step earns the staff member who takes it,
        /// before the procedure's or category's weight; absent for steps that are not work of their own (claiming).
        public var work: Double?
        /// This action is a quality error in the last step taken by one of these actions on the case: a leader
        /// returning a draft for rework faults its `submit-for-approval`, a reporter reopening faults its `resolve`.
        public var faultOf: [String]?
        /// What the step means in the city's figures: `verified` (the operations centre confirmed a report).
        public var milestone: String?

        public func has(_ effect: Effect) -> Bool { effects?.contains(effect) ?? false }
        public var requiredInputs: [Input] { inputs ?? [] }
    }

    /// A process's on-time rule, as data: public services sets Decision 766's "at most one supplement request".
    public struct OnTimeRule: Codable, Sendable, Equatable {
        /// More supplement requests than this make a case late, whenever it finishes.
        public var maxSupplementRequests: Int?
    }

    /// Who hears about an overdue case, level by level: the unit's leaders, then the leaders of the unit above.
    public struct Escalation: Codable, Sendable, Equatable {
        public enum Level: String, Codable, Sendable {
            case unitLeader = "unit_leader"
            case parentUnitLeader = "parent_unit_leader"
        }

        public var levels: [Level]
        /// How long overdue a case stays at one level before it goes to the next.
        public var interval: DeadlineRule
    }

    public var code: String
    public var name: String
    public var nameEn: String?
    public var start: String
    /// The whole process's deadline when the subject (a procedure, a report category) does not set its own.
    public var deadline: DeadlineRule?
    public var escalation: Escalation?
    /// When a finished case counts as on time, beyond finishing by its legal deadline.
    public var onTime: OnTimeRule?
    public var states: [State]
    public var actions: [Action]

    public func state(_ code: String) -> State? { states.first { $0.code == code } }
    public func action(_ code: String) -> Action? { actions.first { $0.code == code } }

    /// The actions that can be taken from `state`, in definition order.
    public func actions(from state: String) -> [Action] { actions.filter { $0.from.contains(state) } }

    /// The milestones the figures know.
    public static let milestones: Set<String> = ["verified"]

    /// The roles an action may name: the platform's staff roles and the applicant.
    public static let knownRoles: Set<String> = Set(Role.allCases.map(\.rawValue)).union(["applicant"])

    /// Every problem with the definition, so a city fixes its file in one go.
    public func problems(knownUnits: Set<String>? = nil) -> [String] {
        var problems: [String] = []
        let where_ = "process '\(code)'"
        if code.isEmpty { problems.append("a process has no code") }
        var codes = Set<String>()
        for state in states where !codes.insert(state.code).inserted { problems.append("\(where_): state '\(state.code)' is defined twice") }
        if state(start) == nil { problems.append("\(where_): the start state '\(start)' is not defined") }
        if !states.contains(where: \.isTerminal) { problems.append("\(where_): no terminal state, so no case could ever end") }
        for state in states {
            if state.isTerminal, !actions(from: state.code).isEmpty {
                problems.append("\(where_): terminal state '\(state.code)' has actions leaving it")
            }
            if !state.isTerminal, actions(from: state.code).isEmpty {
                problems.append("\(where_): state '\(state.code)' is not terminal but no action leaves it")
            }
            for branch in state.parallel ?? [] {
                if let unit = branch.unit, let knownUnits, !knownUnits.contains(unit) {
                    problems.append("\(where_): parallel step '\(branch.code)' names an unknown unit '\(unit)'")
                }
            }
        }
        var actionCodes = Set<String>()
        for action in actions {
            let here = "\(where_), action '\(action.code)'"
            if !actionCodes.insert(action.code).inserted { problems.append("\(here): defined twice") }
            if action.roles.isEmpty { problems.append("\(here): no roles may take it") }
            for role in action.roles where !Self.knownRoles.contains(role) { problems.append("\(here): unknown role '\(role)'") }
            if action.from.isEmpty { problems.append("\(here): leaves from no state") }
            for from in action.from where state(from) == nil { problems.append("\(here): unknown state '\(from)' in from") }
            if state(action.to) == nil { problems.append("\(here): unknown target state '\(action.to)'") }
            if let work = action.work, !(work > 0 && work <= 10) { problems.append("\(here): work must be more than 0 and at most 10 units") }
            if let milestone = action.milestone, !Self.milestones.contains(milestone) {
                problems.append("\(here): unknown milestone '\(milestone)' (known: \(Self.milestones.sorted().joined(separator: ", ")))")
            }
            if action.work != nil, action.roles == ["applicant"] { problems.append("\(here): the applicant's steps are not staff work") }
            for fault in action.faultOf ?? [] where self.action(fault)?.work == nil || fault == action.code {
                problems.append("\(here): faults '\(fault)', which is not another action that earns work")
            }
            if action.has(.extend), !action.requiredInputs.contains(.extendBy) { problems.append("\(here): extends but does not ask for 'extension'") }
            if action.has(.assign), !action.requiredInputs.contains(.officer) { problems.append("\(here): assigns but does not ask for 'officer'") }
            if action.has(.transfer), !action.requiredInputs.contains(.unit) { problems.append("\(here): transfers but does not ask for 'unit'") }
            if action.has(.completeBranch) {
                if !action.requiredInputs.contains(.branch) { problems.append("\(here): completes a parallel step but does not ask for 'branch'") }
                if action.from.contains(where: { state($0)?.parallel?.isEmpty ?? true }) {
                    problems.append("\(here): completes a parallel step from a state without parallel steps")
                }
            }
        }
        // Every state must be reachable from the start, or cases could never be in it.
        var reached: Set<String> = [start]
        var frontier = [start]
        while let current = frontier.popLast() {
            for action in actions(from: current) where reached.insert(action.to).inserted { frontier.append(action.to) }
        }
        for state in states where !reached.contains(state.code) { problems.append("\(where_): state '\(state.code)' cannot be reached from '\(start)'") }
        return problems
    }
}

/// The processes of a city, validated when they are loaded.
public struct ProcessLibrary: Sendable {
    public let processes: [String: ProcessDefinition]

    private struct File: Codable {
        var processes: [ProcessDefinition]
    }

    public init(_ definitions: [ProcessDefinition], knownUnits: Set<String>? = nil) throws {
        var problems = definitions.flatMap { $0.problems(knownUnits: knownUnits) }
        var byCode: [String: ProcessDefinition] = [:]
        for definition in definitions where byCode.updateValue(definition, forKey: definition.code) != nil {
            problems.append("process '\(definition.code)' is defined twice")
        }
        guard problems.isEmpty else {
            throw ConfigurationError(problems: problems.map { ConfigProblem(key: "processes.json", message: $0) })
        }
        self.processes = byCode
    }

    /// The processes in the city profile's `processes.json` (none when the city has no such file).
    public init(profile: CityProfile) throws {
        let file = try profile.decodeFile("processes.json", as: File.self)
        try self.init(file?.processes ?? [], knownUnits: Set(profile.units.map(\.code)))
    }

    public subscript(code: String) -> ProcessDefinition? { processes[code] }
}
