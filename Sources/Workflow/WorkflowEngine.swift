import Foundation
import Hummingbird
import Platform

/// Why an action was refused, stated so the person who pressed the button understands.
public enum TransitionRefusal: Error, Equatable, Sendable, HTTPResponseError, CustomStringConvertible {
    case unknownAction(String)
    case notAllowedInState(action: String, state: String, allowed: [String])
    case roleNotAllowed(action: String, roles: [String], unit: String)
    case missingInputs(action: String, inputs: [String])
    case parallelStepsOpen(action: String, open: [String])
    case unknownBranch(String, open: [String])
    /// Someone else changed the case first.
    case stale(state: String)
    /// The deadline clock cannot pause or resume at this moment (for example, resuming before the moment it paused).
    case clock(action: String, reason: String)

    public var description: String {
        switch self {
        case .unknownAction(let action): return "There is no action '\(action)' in this process."
        case .notAllowedInState(let action, let state, let allowed):
            return "'\(action)' cannot be taken while the case is '\(state)'; possible now: \(allowed.isEmpty ? "nothing" : allowed.joined(separator: ", "))."
        case .roleNotAllowed(let action, let roles, let unit):
            return "'\(action)' may only be taken by \(roles.joined(separator: " or ")) of '\(unit)'."
        case .missingInputs(let action, let inputs): return "'\(action)' needs: \(inputs.joined(separator: ", "))."
        case .parallelStepsOpen(let action, let open):
            return "'\(action)' must wait for the parallel steps still open: \(open.joined(separator: ", "))."
        case .unknownBranch(let branch, let open):
            return "No open parallel step '\(branch)'; open: \(open.isEmpty ? "none" : open.joined(separator: ", "))."
        case .stale(let state): return "The case was changed by someone else a moment ago (it is now '\(state)'); reload and try again."
        case .clock(let action, let reason): return "'\(action)' cannot move the deadline clock now: \(reason)."
        }
    }

    public var problem: Problem {
        switch self {
        case .unknownAction: return Problem(status: .notFound, type: "unknown-action", title: "Unknown action", detail: description)
        case .notAllowedInState, .parallelStepsOpen, .unknownBranch, .stale, .clock:
            return Problem(status: .conflict, type: "transition-not-allowed", title: "Not possible in this state", detail: description)
        case .roleNotAllowed: return Problem(status: .forbidden, type: "forbidden", title: "Forbidden", detail: description)
        case .missingInputs(_, let inputs):
            return Problem.unprocessable(inputs.map { .init(field: $0, message: "required for this action") }, detail: description)
        }
    }

    public var status: HTTPResponse.Status { problem.status }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try problem.response(from: request, context: context)
    }
}

/// The rules of moving a case: pure, so they are tested without a database and shared by every process.
public struct WorkflowEngine: Sendable {
    public let calendar: WorkCalendar

    public init(calendar: WorkCalendar) {
        self.calendar = calendar
    }

    /// A new case in the process's start state.
    public func start(_ definition: ProcessDefinition, id: UUID = UUID(), subject: String, unit: String, competentUnit: String,
                      deadline: DeadlineRule?, cutOff: LocalTime? = nil, at moment: Date) -> WorkflowInstance {
        var instance = WorkflowInstance(
            id: id, process: definition.code, subject: subject, state: definition.start, unitCode: unit, competentUnitCode: competentUnit,
            officerID: nil, officerName: nil, deadlineRule: deadline ?? definition.deadline ?? .workingDays(0), cutOff: cutOff, clock: nil,
            stepDue: nil, openBranches: [], supplementRequests: 0, escalationLevel: 0, escalatedAt: nil, finishedAt: nil, onTime: nil,
            createdAt: moment, updatedAt: moment, version: 1)
        enter(definition.state(definition.start), instance: &instance, at: moment)
        return instance
    }

    /// What `actor` could do now, for buttons and API hints.
    public func availableActions(_ definition: ProcessDefinition, for instance: WorkflowInstance, actor: WorkflowActor) -> [ProcessDefinition.Action] {
        definition.actions(from: instance.state).filter { may(actor, take: $0, on: instance, definition: definition) }
    }

    /// Applies one action, or says why not. Nothing changes on refusal.
    public func apply(_ actionCode: String, to current: WorkflowInstance, definition: ProcessDefinition, by actor: WorkflowActor,
                      inputs: ActionInputs, at moment: Date) throws -> (WorkflowInstance, WorkflowTransition) {
        let action = try allowedAction(actionCode, on: current, definition: definition, by: actor, inputs: inputs)
        var next = current
        try applyEffects(of: action, to: &next, from: current, definition: definition, by: actor, inputs: inputs, at: moment)
        let entering = definition.state(action.to)
        if action.to != current.state { try move(&next, to: action, leaving: definition.state(current.state), entering: entering, at: moment) }
        if action.has(.finish) || entering?.isTerminal == true, next.finishedAt == nil, next.clock != nil {
            next.finishedAt = moment
            let withinLimit = definition.onTime?.maxSupplementRequests.map { next.supplementRequests <= $0 } ?? true
            next.onTime = withinLimit && moment <= (next.clock?.legalDue ?? moment)
        }
        next.updatedAt = moment
        next.version += 1
        let transition = WorkflowTransition(
            instanceID: next.id, action: action.code, fromState: current.state, toState: next.state, actorID: actor.id, actorName: actor.name,
            unitCode: current.unitCode, note: inputs.note, reason: inputs.reason, at: moment, dueAfter: next.clock?.due)
        return (next, transition)
    }

    /// The action, when it exists, leaves this state, is open to this actor, has its inputs, and no parallel step
    /// still holds the case; otherwise the refusal that says which.
    func allowedAction(_ actionCode: String, on current: WorkflowInstance, definition: ProcessDefinition, by actor: WorkflowActor,
                       inputs: ActionInputs) throws -> ProcessDefinition.Action {
        guard let action = definition.action(actionCode) else { throw TransitionRefusal.unknownAction(actionCode) }
        guard action.from.contains(current.state) else {
            throw TransitionRefusal.notAllowedInState(action: action.code, state: current.state,
                                                      allowed: availableActions(definition, for: current, actor: actor).map(\.code))
        }
        guard may(actor, take: action, on: current, definition: definition) else {
            throw TransitionRefusal.roleNotAllowed(action: action.code, roles: action.roles, unit: current.unitCode)
        }
        let missing = action.requiredInputs.filter { !inputs.provides($0) }
        if !missing.isEmpty { throw TransitionRefusal.missingInputs(action: action.code, inputs: missing.map(\.rawValue)) }
        if action.to != current.state, !current.openBranches.isEmpty, !(action.interrupts ?? false) {
            throw TransitionRefusal.parallelStepsOpen(action: action.code, open: current.openBranches)
        }
        return action
    }

    /// What the action does besides moving the state: its declared effects, in a fixed order.
    func applyEffects(of action: ProcessDefinition.Action, to next: inout WorkflowInstance, from current: WorkflowInstance,
                      definition: ProcessDefinition, by actor: WorkflowActor, inputs: ActionInputs, at moment: Date) throws {
        if action.has(.completeBranch) {
            let branch = inputs.branch ?? ""
            guard let index = next.openBranches.firstIndex(of: branch) else {
                throw TransitionRefusal.unknownBranch(branch, open: next.openBranches)
            }
            let branchUnit = definition.state(current.state)?.parallel?.first { $0.code == branch }?.unit ?? current.unitCode
            let roles = action.roles.compactMap(Role.init(rawValue:))
            guard roles.contains(where: { actor.holds($0, in: branchUnit) || actor.holds($0, in: current.unitCode) }) else {
                throw TransitionRefusal.roleNotAllowed(action: action.code, roles: action.roles, unit: branchUnit)
            }
            next.openBranches.remove(at: index)
        }
        if action.has(.route), let unit = inputs.unit, !unit.isEmpty { next.competentUnitCode = unit }
        if action.has(.transfer), let unit = inputs.unit {
            next.unitCode = unit
            next.competentUnitCode = unit
            next.officerID = nil
            next.officerName = nil
        }
        if action.has(.reopen) {
            next.clock = DeadlineClock(rule: next.deadlineRule, receivedAt: moment, cutOff: next.cutOff, calendar: calendar)
            next.finishedAt = nil
            next.onTime = nil
        }
        if action.has(.receive) {
            next.clock = DeadlineClock(rule: next.deadlineRule, receivedAt: moment, cutOff: next.cutOff, calendar: calendar)
            next.unitCode = next.competentUnitCode
        }
        if action.has(.claim) {
            next.officerID = actor.id
            next.officerName = actor.name
        }
        if action.has(.assign), let officer = inputs.officer {
            next.officerID = officer.id
            next.officerName = officer.name
        }
        if action.has(.extend), let rule = inputs.extendBy { next.clock?.extend(by: rule, at: moment, calendar: calendar) }
        if action.has(.supplementRequest) { next.supplementRequests += 1 }
    }

    /// Into the action's target state. The clock follows whose turn it is: it stops when the applicant has the ball
    /// and restarts when they hand it back. No clock yet means no pause is needed; a clock that refuses (a resume dated
    /// before its pause) refuses the action, so the deadline is never silently left paused or running.
    func move(_ next: inout WorkflowInstance, to action: ProcessDefinition.Action, leaving: ProcessDefinition.State?,
              entering: ProcessDefinition.State?, at moment: Date) throws {
        next.state = action.to
        next.openBranches = []
        do {
            if leaving?.isPaused == true, entering?.isPaused != true, next.clock?.isPaused == true {
                try next.clock?.resume(at: moment, calendar: calendar)
            }
            if entering?.isPaused == true, next.clock?.isPaused == false { try next.clock?.pause(at: moment) }
        } catch {
            throw TransitionRefusal.clock(action: action.code, reason: "\(error)")
        }
        enter(entering, instance: &next, at: moment)
        // A case that moved on is no longer overdue at its old step.
        next.escalationLevel = 0
        next.escalatedAt = nil
    }

    /// Records an escalation one level up; nil when the case is not overdue enough for the next level.
    public func escalate(_ current: WorkflowInstance, definition: ProcessDefinition, at moment: Date) -> WorkflowInstance? {
        guard let escalation = definition.escalation, current.isOpen(in: definition), current.escalationLevel < escalation.levels.count,
              let due = current.effectiveDue, moment > due
        else { return nil }
        if current.escalationLevel > 0 {
            // Each further level waits one more interval of office time past the previous escalation.
            let since = current.escalatedAt ?? due
            guard moment > calendar.due(escalation.interval, countingFrom: calendar.countingStart(receivedAt: since)) else { return nil }
        }
        var next = current
        next.escalationLevel += 1
        next.escalatedAt = moment
        next.updatedAt = moment
        next.version += 1
        return next
    }

    private func enter(_ state: ProcessDefinition.State?, instance: inout WorkflowInstance, at moment: Date) {
        instance.openBranches = state?.parallel?.map(\.code) ?? []
        instance.stepDue = state?.deadline.map { calendar.due($0, receivedAt: moment) }
    }

    private func may(_ actor: WorkflowActor, take action: ProcessDefinition.Action, on instance: WorkflowInstance,
                     definition: ProcessDefinition) -> Bool {
        if action.roles.contains("applicant"), actor.isApplicant { return true }
        var units = [instance.unitCode]
        // A parallel step is completed by the unit it was sent to.
        if action.has(.completeBranch), let state = definition.state(instance.state) {
            units += (state.parallel ?? []).filter { instance.openBranches.contains($0.code) }.compactMap(\.unit)
        }
        return action.roles.compactMap(Role.init(rawValue:)).contains { role in units.contains { actor.holds(role, in: $0) } }
    }
}
