import FluentKit
import Foundation
import Platform
import SQLKit

/// A case's current position. The queue columns (`unit_code`, `officer_id`, `is_open`, `holder`, `due_at`) are kept
/// beside the full JSON so officer queues are index range scans, whatever the number of cases.
final class WorkflowInstanceRecord: Model, @unchecked Sendable {
    static let schema = "workflow_instances"

    @ID(custom: "id", generatedBy: .user) var id: UUID?
    @Field(key: "process") var process: String
    @Field(key: "subject") var subject: String
    /// The subject's kind (`dossier`, `report`): queues list one kind of work.
    @Field(key: "kind") var kind: String
    @Field(key: "state") var state: String
    @Field(key: "unit_code") var unitCode: String
    @OptionalField(key: "officer_id") var officerID: String?
    @Field(key: "is_open") var isOpen: Bool
    @Field(key: "holder") var holder: String
    @OptionalField(key: "due_at") var dueAt: Date?
    @Field(key: "escalation_level") var escalationLevel: Int
    @Field(key: "version") var version: Int
    @Field(key: "data") var data: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

final class WorkflowTransitionRecord: Model, @unchecked Sendable {
    static let schema = "workflow_transitions"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "instance_id") var instanceID: UUID
    @Field(key: "action") var action: String
    @Field(key: "from_state") var fromState: String
    @Field(key: "to_state") var toState: String
    @OptionalField(key: "actor_id") var actorID: String?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "unit_code") var unitCode: String
    @OptionalField(key: "note") var note: String?
    @OptionalField(key: "reason") var reason: String?
    @Field(key: "at") var at: Date
    @OptionalField(key: "due_after") var dueAfter: Date?

    init() {}
}

struct CreateWorkflowTables: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WorkflowInstanceRecord.schema)
            .field("id", .uuid, .identifier(auto: false))
            .field("process", .string, .required)
            .field("subject", .string, .required)
            .field("kind", .string, .required)
            .field("state", .string, .required)
            .field("unit_code", .string, .required)
            .field("officer_id", .string)
            .field("is_open", .bool, .required)
            .field("holder", .string, .required)
            .field("due_at", .datetime)
            .field("escalation_level", .int, .required)
            .field("version", .int, .required)
            .field("data", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "subject")
            .create()
        try await database.schema(WorkflowTransitionRecord.schema)
            .field("id", .int, .identifier(auto: true))
            .field("instance_id", .uuid, .required, .references(WorkflowInstanceRecord.schema, "id"))
            .field("action", .string, .required)
            .field("from_state", .string, .required)
            .field("to_state", .string, .required)
            .field("actor_id", .string)
            .field("actor_name", .string, .required)
            .field("unit_code", .string, .required)
            .field("note", .string)
            .field("reason", .string)
            .field("at", .datetime, .required)
            .field("due_after", .datetime)
            .create()
        // Without SQL the queue indexes would be missing: refuse rather than migrate half.
        guard let sql = database as? any SQLDatabase else { throw Problem.internal() }
        // Queues: a unit's or an officer's open cases, soonest deadline first; the escalation sweep reads by deadline.
        try await sql.raw("CREATE INDEX workflow_unit_turn ON workflow_instances (kind, unit_code, is_open, holder, due_at)").run()
        try await sql.raw("CREATE INDEX workflow_officer_queue ON workflow_instances (kind, officer_id, is_open, holder, due_at)").run()
        try await sql.raw("CREATE INDEX workflow_overdue ON workflow_instances (is_open, holder, due_at)").run()
        try await sql.raw("CREATE INDEX workflow_history ON workflow_transitions (instance_id, id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WorkflowTransitionRecord.schema).delete()
        try await database.schema(WorkflowInstanceRecord.schema).delete()
    }
}
