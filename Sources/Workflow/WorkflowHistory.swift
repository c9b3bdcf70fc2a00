import FluentKit
import Foundation
import Platform
import SQLKit

/// A case's whole past, worked out by the engine without a database and then written in bulk: for loading a city's
/// history (the demo, a migration from an older system). Each step obeys the same rules as a live action, and the
/// event log gets the same events.
public struct CaseHistory: Sendable {
    public struct Step: Sendable {
        public var action: String
        public var actor: WorkflowActor
        public var inputs: ActionInputs
        public var at: Date

        public init(action: String, actor: WorkflowActor, inputs: ActionInputs = ActionInputs(), at: Date) {
            self.action = action
            self.actor = actor
            self.inputs = inputs
            self.at = at
        }
    }

    public var instance: WorkflowInstance
    /// The case after each step, with the step's transition.
    public var steps: [(instance: WorkflowInstance, transition: WorkflowTransition)]
    let startedBy: WorkflowActor
    let definition: ProcessDefinition
    var startInstance: WorkflowInstance?
}

extension WorkflowStore {
    /// Runs the steps through the engine; throws the engine's refusal if one is not allowed.
    public func history(process: String, id: UUID = UUID(), subject: String, unit: String, competentUnit: String, deadline: DeadlineRule?,
                        startedBy: WorkflowActor, at moment: Date, steps: [CaseHistory.Step]) throws -> CaseHistory {
        let definition = try definition(process)
        let first = engine.start(definition, id: id, subject: subject, unit: unit, competentUnit: competentUnit, deadline: deadline, at: moment)
        var current = first
        var done: [(WorkflowInstance, WorkflowTransition)] = []
        for step in steps {
            let (next, transition) = try engine.apply(step.action, to: current, definition: definition, by: step.actor, inputs: step.inputs, at: step.at)
            done.append((next, transition))
            current = next
        }
        return CaseHistory(instance: current, steps: done.map { (instance: $0.0, transition: $0.1) }, startedBy: startedBy, definition: definition,
                           startInstance: first)
    }

    /// Writes the cases, their transitions and their events in a few statements.
    public func importHistories(_ histories: [CaseHistory], on db: any Database) async throws {
        guard !histories.isEmpty else { return }
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        var events: [DomainEvent] = []
        for chunk in stride(from: 0, to: histories.count, by: 200) {
            let part = histories[chunk..<min(chunk + 200, histories.count)]
            var instances = sql.insert(into: WorkflowInstanceRecord.schema)
                .columns("id", "process", "subject", "kind", "state", "unit_code", "officer_id", "is_open", "holder", "due_at", "escalation_level",
                         "version", "data", "updated_at")
            for history in part {
                let case_ = history.instance
                instances = instances.values([
                    SQLBind(case_.id), SQLBind(case_.process), SQLBind(case_.subject), SQLBind(case_.kind), SQLBind(case_.state), SQLBind(case_.unitCode),
                    SQLBind(case_.officerID), SQLBind(case_.isOpen(in: history.definition)), SQLBind(case_.holder(in: history.definition).rawValue),
                    SQLBind(case_.effectiveDue), SQLBind(case_.escalationLevel), SQLBind(case_.version), SQLBind(try Self.encode(case_)), SQLBind(case_.updatedAt),
                ])
            }
            try await instances.run()
            let transitions = part.flatMap(\.steps)
            for start in stride(from: 0, to: transitions.count, by: 300) {
                var insert = sql.insert(into: WorkflowTransitionRecord.schema)
                    .columns("instance_id", "action", "from_state", "to_state", "actor_id", "actor_name", "unit_code", "note", "reason", "at", "due_after")
                for (_, t) in transitions[start..<min(start + 300, transitions.count)] {
                    insert = insert.values([SQLBind(t.instanceID), SQLBind(t.action), SQLBind(t.fromState), SQLBind(t.toState), SQLBind(t.actorID),
                                            SQLBind(t.actorName), SQLBind(t.unitCode), SQLBind(t.note), SQLBind(t.reason), SQLBind(t.at), SQLBind(t.dueAfter)])
                }
                try await insert.run()
            }
            for history in part {
                let start = history.start
                events.append(try DomainEvent(type: "workflow.started", actorID: history.startedBy.id, actorName: history.startedBy.name,
                                              unitCode: start.unitCode, subject: start.subject,
                                              payload: WorkflowStore.startedPayload(start),
                                              occurredAt: start.createdAt))
                var previous = start
                for (next, transition) in history.steps {
                    events.append(try DomainEvent(
                        type: "workflow.transitioned", actorID: transition.actorID, actorName: transition.actorName, unitCode: previous.unitCode,
                        subject: previous.subject,
                        payload: TransitionPayload(previous, next, transition, definition: history.definition),
                        occurredAt: transition.at))
                    previous = next
                }
            }
        }
        try await EventLog.append(contentsOf: events, on: db)
    }
}

extension CaseHistory {
    /// The case as it was when filed (for the `workflow.started` event).
    public var start: WorkflowInstance { startInstance ?? instance }
}
