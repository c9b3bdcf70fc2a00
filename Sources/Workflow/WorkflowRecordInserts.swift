import FluentKit
import Foundation
import Platform
import SQLKit

// Cases start and move on every filing and every action: these rows are written with SQLKit and a column list known
// once, because Fluent's `create` reflects over every property of the model on every call (a fifth of a write's CPU).

extension WorkflowInstanceRecord {
    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, let id else { throw Problem.internal() }
        try await sql.insert(into: Self.schema)
            .columns("id", "process", "subject", "kind", "state", "unit_code", "officer_id", "is_open", "holder", "due_at", "escalation_level",
                     "version", "data", "updated_at")
            .values([SQLBind(id), SQLBind(process), SQLBind(subject), SQLBind(kind), SQLBind(state), SQLBind(unitCode), SQLBind(officerID),
                     SQLBind(isOpen), SQLBind(holder), SQLBind(dueAt), SQLBind(escalationLevel), SQLBind(version), SQLBind(data), SQLBind(updatedAt)])
            .run()
    }
}

extension WorkflowTransitionRecord {
    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.insert(into: Self.schema)
            .columns("instance_id", "action", "from_state", "to_state", "actor_id", "actor_name", "unit_code", "note", "reason", "at", "due_after")
            .values([SQLBind(instanceID), SQLBind(action), SQLBind(fromState), SQLBind(toState), SQLBind(actorID), SQLBind(actorName),
                     SQLBind(unitCode), SQLBind(note), SQLBind(reason), SQLBind(at), SQLBind(dueAfter)])
            .run()
    }
}
