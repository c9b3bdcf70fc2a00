import FluentKit
import Foundation
import Platform
import SQLKit

// Cases start and move on every filing and every action: these rows are written in plain SQL with a column list known
// once, because Fluent's `create` reflects over every property of the model on every call (a fifth of a write's CPU).

/// A new case's row, as plain values: no Fluent model (an object per property) is built for a write this frequent.
struct WorkflowInstanceRow: Sendable {
    var id: UUID
    var process: String
    var subject: String
    var kind: String
    var state: String
    var unitCode: String
    var officerID: String?
    var isOpen: Bool
    var holder: String
    var dueAt: Date?
    var escalationLevel: Int
    var version: Int
    var data: String
    var updatedAt: Date

    init(_ instance: WorkflowInstance, definition: ProcessDefinition) throws {
        id = instance.id
        process = instance.process
        subject = instance.subject
        kind = instance.kind
        state = instance.state
        unitCode = instance.unitCode
        officerID = instance.officerID
        isOpen = instance.isOpen(in: definition)
        holder = instance.holder(in: definition).rawValue
        dueAt = instance.effectiveDue
        escalationLevel = instance.escalationLevel
        version = instance.version
        data = try WorkflowStore.encode(instance)
        updatedAt = instance.updatedAt
    }

    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO workflow_instances (id, process, subject, kind, state, unit_code, officer_id, is_open, holder, due_at, escalation_level, version, \
            data, updated_at) VALUES (\(bind: id), \(bind: process), \(bind: subject), \(bind: kind), \(bind: state), \(bind: unitCode), \
            \(bind: officerID), \(bind: isOpen), \(bind: holder), \(bind: dueAt), \(bind: escalationLevel), \(bind: version), \(bind: data), \
            \(bind: updatedAt))
            """).run()
    }
}

extension WorkflowTransitionRecord {
    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO workflow_transitions (instance_id, action, from_state, to_state, actor_id, actor_name, unit_code, note, reason, at, due_after) \
            VALUES (\(bind: instanceID), \(bind: action), \(bind: fromState), \(bind: toState), \(bind: actorID), \(bind: actorName), \
            \(bind: unitCode), \(bind: note), \(bind: reason), \(bind: at), \(bind: dueAfter))
            """).run()
    }
}
