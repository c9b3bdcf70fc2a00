import FluentKit
import Foundation
import Platform
import SQLKit

/// Which of a unit's or officer's cases to list.
public enum QueueFilter: String, Codable, Sendable, CaseIterable {
    /// Everything open on the unit's side (not waiting for the applicant), soonest deadline first.
    case open
    /// The unit's turn and due within the next working day.
    case dueSoon = "due-soon"
    case overdue
    /// Waiting for the applicant (supplement, fee).
    case waitingForApplicant = "waiting-for-applicant"
    /// Nobody has claimed it yet.
    case unassigned
}

/// Cases as stored: every change goes through `apply`, inside the caller's transaction, so a dossier and its case
/// never disagree.
public struct WorkflowStore: Sendable {
    public let library: ProcessLibrary
    public let engine: WorkflowEngine

    public init(library: ProcessLibrary, calendar: WorkCalendar) {
        self.library = library
        self.engine = WorkflowEngine(calendar: calendar)
    }

    public func definition(_ code: String) throws -> ProcessDefinition {
        guard let definition = library[code] else { throw Problem.notFound("No process '\(code)' in the city profile.") }
        return definition
    }

    public func start(process: String, id: UUID = UUID(), subject: String, unit: String, competentUnit: String, deadline: DeadlineRule?,
                      cutOff: LocalTime? = nil, actor: WorkflowActor, at moment: Date, on db: any Database) async throws -> WorkflowInstance {
        let start = try prepareStart(process: process, id: id, subject: subject, unit: unit, competentUnit: competentUnit, deadline: deadline,
                                     cutOff: cutOff, actor: actor, at: moment)
        return try await insert(start, on: db)
    }

    /// A case worked out (deadline in working days, its row and its event) but not yet stored. Hot writes prepare it
    /// before their transaction, so the database's single writer only inserts.
    public struct PreparedStart: Sendable {
        public let instance: WorkflowInstance
        let row: WorkflowInstanceRow
        let event: DomainEvent
    }

    public func prepareStart(process: String, id: UUID = UUID(), subject: String, unit: String, competentUnit: String, deadline: DeadlineRule?,
                             cutOff: LocalTime? = nil, actor: WorkflowActor, at moment: Date) throws -> PreparedStart {
        let definition = try definition(process)
        let instance = engine.start(definition, id: id, subject: subject, unit: unit, competentUnit: competentUnit, deadline: deadline,
                                    cutOff: cutOff, at: moment)
        let row = try WorkflowInstanceRow(instance, definition: definition)
        let event = try DomainEvent(type: "workflow.started", actorID: actor.id, actorName: actor.name, unitCode: unit, subject: subject,
                                    payload: Self.startedPayload(instance), occurredAt: moment)
        return PreparedStart(instance: instance, row: row, event: event)
    }

    /// Stores a prepared case and its event, inside the caller's transaction.
    public func insert(_ start: PreparedStart, on db: any Database) async throws -> WorkflowInstance {
        try await start.row.insert(on: db)
        try await EventLog.append(start.event, on: db)
        return start.instance
    }

    /// Applies an action. When two people act on one case at once, the second finds the version moved and gets a
    /// 409; nothing of its change is written.
    public func apply(_ action: String, to id: UUID, by actor: WorkflowActor, inputs: ActionInputs = ActionInputs(), at moment: Date = Date(),
                      on db: any Database) async throws -> (instance: WorkflowInstance, transition: WorkflowTransition) {
        guard let current = try await instance(id, on: db) else { throw Problem.notFound("No such case.") }
        let definition = try definition(current.process)
        let (next, transition) = try engine.apply(action, to: current, definition: definition, by: actor, inputs: inputs, at: moment)
        try await save(next, replacing: current.version, definition: definition, on: db)

        let record = WorkflowTransitionRecord()
        record.instanceID = id
        record.action = transition.action
        record.fromState = transition.fromState
        record.toState = transition.toState
        record.actorID = transition.actorID
        record.actorName = transition.actorName
        record.unitCode = transition.unitCode
        record.note = transition.note
        record.reason = transition.reason
        record.at = transition.at
        record.dueAfter = transition.dueAfter
        try await record.insert(on: db)
        try await EventLog.append(
            try DomainEvent(type: "workflow.transitioned", actorID: actor.id, actorName: actor.name, unitCode: current.unitCode,
                            subject: current.subject,
                            payload: TransitionPayload(current, next, transition, definition: definition),
                            occurredAt: moment),
            on: db)
        return (next, transition)
    }

    /// What a started case tells the event log. The deadline travels with it, so figures built from the log (on
    /// time, overdue) need no other module's table: `legalDue` is the one the national on-time rule measures against.
    static func startedPayload(_ instance: WorkflowInstance) -> [String: String] {
        var payload = ["process": instance.process, "state": instance.state, "competentUnit": instance.competentUnitCode]
        if let clock = instance.clock {
            payload["due"] = clock.due.formatted(.iso8601)
            payload["legalDue"] = clock.legalDue.formatted(.iso8601)
        }
        return payload
    }

    /// What a step tells the event log: where the case went, its deadline (paused while the applicant's turn), and
    /// whether its result is given (`finished`, with `onTime`) or it was taken up again.
    struct TransitionPayload: Encodable {
        var process: String
        var action: String
        var from: String
        var to: String
        var reportedAs: [String: Int]?
        var unit: String
        var competentUnit: String
        var officer: String?
        var due: Date?
        var legalDue: Date?
        var paused: Bool?
        var onTime: Bool?
        var finished: Bool
        /// Set (true) only when it holds: the step finished the case (`finishedNow`), took a finished case up again
        /// (`reopened`), left it in a terminal state (`terminal`: rejected, merged, withdrawn end there unfinished), or
        /// in a state whose clock waits on the applicant (`waiting`, even before the case's clock has started).
        var finishedNow: Bool?
        var reopened: Bool?
        var terminal: Bool?
        var waiting: Bool?
        /// Staff work (Decree 335): the step's standard units, whether it was taken after the deadline that applied
        /// to it, and which earlier steps it faults.
        var work: Double?
        var stepLate: Bool?
        var faultOf: [String]?
        var milestone: String?

        init(_ current: WorkflowInstance, _ next: WorkflowInstance, _ transition: WorkflowTransition, definition: ProcessDefinition) {
            process = current.process
            action = transition.action
            from = transition.fromState
            to = transition.toState
            reportedAs = definition.state(next.state)?.reportedAs
            unit = next.unitCode
            competentUnit = next.competentUnitCode
            officer = next.officerID
            due = next.clock?.due
            legalDue = next.clock?.legalDue
            paused = next.clock?.isPaused
            onTime = next.onTime
            finished = next.finishedAt != nil
            finishedNow = current.finishedAt == nil && next.finishedAt != nil ? true : nil
            reopened = current.finishedAt != nil && next.finishedAt == nil ? true : nil
            let state = definition.state(next.state)
            terminal = state?.terminal == true ? true : nil
            waiting = state?.clock == .paused ? true : nil
            let action = definition.action(transition.action)
            work = action?.work
            if work != nil { stepLate = current.effectiveDue.map { transition.at > $0 } ?? false }
            faultOf = action?.faultOf
            milestone = action?.milestone
        }
    }

    /// One case, read on every action: the one column it needs, through SQLKit (no model hydration).
    public func instance(_ id: UUID, on db: any Database) async throws -> WorkflowInstance? {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        guard let row = try await sql.raw("SELECT data FROM workflow_instances WHERE id = \(bind: id)").first() else { return nil }
        return try JSONColumn.decode(WorkflowInstance.self, from: try row.decode(column: "data", as: String.self), table: WorkflowInstanceRecord.schema,
                                     column: "data", row: id.uuidString, logger: nil, using: JSONDecoder())
    }

    public func instances(_ ids: [UUID], on db: any Database) async throws -> [UUID: WorkflowInstance] {
        guard !ids.isEmpty else { return [:] }
        let records = try await WorkflowInstanceRecord.query(on: db).filter(\.$id ~~ ids).all()
        return Dictionary(uniqueKeysWithValues: try records.map { record in let instance = try decode(record); return (instance.id, instance) })
    }

    /// A case's steps in order, read on every dossier view: plain SQL, no model hydration.
    public func history(_ id: UUID, on db: any Database) async throws -> [WorkflowTransition] {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        return try await sql.raw("""
            SELECT action, from_state, to_state, actor_id, actor_name, unit_code, note, reason, at, due_after FROM workflow_transitions \
            WHERE instance_id = \(bind: id) ORDER BY id
            """).all().map { row in
            WorkflowTransition(instanceID: id, action: try row.decode(column: "action", as: String.self),
                               fromState: try row.decode(column: "from_state", as: String.self), toState: try row.decode(column: "to_state", as: String.self),
                               actorID: try row.decode(column: "actor_id", as: String?.self), actorName: try row.decode(column: "actor_name", as: String.self),
                               unitCode: try row.decode(column: "unit_code", as: String.self), note: try row.decode(column: "note", as: String?.self),
                               reason: try row.decode(column: "reason", as: String?.self), at: try row.decode(column: "at", as: Date.self),
                               dueAfter: try row.decode(column: "due_after", as: Date?.self))
        }
    }

    /// A unit's or an officer's cases of one kind (`dossier`), soonest deadline first.
    public func queue(kind: String, unit: String? = nil, officer: String? = nil, filter: QueueFilter, at moment: Date = Date(),
                      limit: Int = 50, offset: Int = 0, on db: any Database) async throws -> [WorkflowInstance] {
        // SQLKit rather than Fluent models: the queue is the officer's most frequent read, and hydrating 14-column
        // models was most of its cost; only the JSON is needed.
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let unitHolder = WorkflowInstance.Holder.unit.rawValue
        var query = sql.select().column("id").column("data").from(WorkflowInstanceRecord.schema)
            .where("kind", .equal, kind).where("is_open", .equal, true)
        if let unit { query = query.where("unit_code", .equal, unit) }
        if let officer { query = query.where("officer_id", .equal, officer) }
        switch filter {
        case .open: query = query.where("holder", .equal, unitHolder)
        case .dueSoon:
            let horizon = engine.calendar.adding(workingSeconds: 8 * 3600, to: engine.calendar.countingStart(receivedAt: moment))
            query = query.where("holder", .equal, unitHolder).where("due_at", .greaterThanOrEqual, moment).where("due_at", .lessThanOrEqual, horizon)
        case .overdue:
            query = query.where("holder", .equal, unitHolder).where("due_at", .lessThan, moment)
        case .waitingForApplicant:
            query = query.where("holder", .equal, WorkflowInstance.Holder.applicant.rawValue)
        case .unassigned:
            query = query.where("holder", .equal, unitHolder).where("officer_id", .is, SQLLiteral.null)
        }
        let rows = try await query.orderBy("due_at").limit(limit).offset(offset).all()
        // Written with the default date strategy (see `encode`), so read the same way; damage is logged and thrown.
        let decoder = JSONDecoder()
        return try rows.map { row -> WorkflowInstance in
            let text = try row.decode(column: "data", as: String.self)
            do {
                return try decoder.decode(WorkflowInstance.self, from: Data(text.utf8))
            } catch {
                // The id is read only here, for the log line: the queue is hot and needs only the JSON.
                let id = (try? row.decode(column: "id", as: UUID.self))?.uuidString ?? "(id unreadable)"
                throw StoredData.damaged(table: WorkflowInstanceRecord.schema, column: "data", row: id, detail: "\(error)", logger: sql.logger)
            }
        }
    }

    /// Counts of a unit's open cases by queue, for the leader's backlog view.
    public func backlog(kind: String, unit: String, at moment: Date = Date(), on db: any Database) async throws -> [QueueFilter: Int] {
        var counts: [QueueFilter: Int] = [:]
        let base = { WorkflowInstanceRecord.query(on: db).filter(\.$kind == kind).filter(\.$unitCode == unit).filter(\.$isOpen == true) }
        counts[.open] = try await base().count()
        counts[.overdue] = try await base().filter(\.$holder == WorkflowInstance.Holder.unit.rawValue).filter(\.$dueAt < moment).count()
        counts[.waitingForApplicant] = try await base().filter(\.$holder == WorkflowInstance.Holder.applicant.rawValue).count()
        counts[.unassigned] = try await base().filter(\.$holder == WorkflowInstance.Holder.unit.rawValue).filter(\.$officerID == nil).count()
        let horizon = engine.calendar.adding(workingSeconds: 8 * 3600, to: engine.calendar.countingStart(receivedAt: moment))
        counts[.dueSoon] = try await base().filter(\.$holder == WorkflowInstance.Holder.unit.rawValue).filter(\.$dueAt >= moment)
            .filter(\.$dueAt <= horizon).count()
        return counts
    }

    /// Open cases per officer of a unit (nil: nobody has taken them), for the leader's view.
    public func openCasesByOfficer(kind: String, unit: String, on db: any Database) async throws -> [String?: Int] {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let rows = try await sql.raw("""
            SELECT officer_id, COUNT(*) AS open_cases FROM workflow_instances
            WHERE kind = \(bind: kind) AND unit_code = \(bind: unit) AND is_open = \(bind: true) GROUP BY officer_id
            """).all()
        var counts: [String?: Int] = [:]
        for row in rows { counts[try row.decode(column: "officer_id", as: String?.self)] = try row.decode(column: "open_cases", as: Int.self) }
        return counts
    }

    /// Overdue open cases whose escalation has not reached the last level, oldest deadline first.
    func overdue(at moment: Date, limit: Int, on db: any Database) async throws -> [WorkflowInstance] {
        try await WorkflowInstanceRecord.query(on: db).filter(\.$isOpen == true).filter(\.$holder == WorkflowInstance.Holder.unit.rawValue)
            .filter(\.$dueAt < moment).sort(\.$dueAt).range(0..<limit).all().map(decode)
    }

    /// Writes an escalation (no state change) with the same version guard as any other change.
    func recordEscalation(_ next: WorkflowInstance, replacing version: Int, on db: any Database) async throws {
        try await save(next, replacing: version, definition: try definition(next.process), on: db)
        try await EventLog.append(
            try DomainEvent(type: "workflow.escalated", actorName: "system", unitCode: next.unitCode, subject: next.subject,
                            payload: ["process": next.process, "state": next.state, "level": String(next.escalationLevel)],
                            occurredAt: next.escalatedAt ?? Date()),
            on: db)
    }

    private func save(_ next: WorkflowInstance, replacing version: Int, definition: ProcessDefinition, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let holder = next.holder(in: definition)
        let rows = try await sql.raw("""
            UPDATE workflow_instances SET state = \(bind: next.state), unit_code = \(bind: next.unitCode), officer_id = \(bind: next.officerID),
              is_open = \(bind: next.isOpen(in: definition)), holder = \(bind: holder.rawValue), due_at = \(bind: next.effectiveDue),
              escalation_level = \(bind: next.escalationLevel), version = \(bind: next.version), data = \(bind: try Self.encode(next)),
              updated_at = \(bind: next.updatedAt)
            WHERE id = \(bind: next.id) AND version = \(bind: version) RETURNING id
            """).all()
        if rows.isEmpty {
            let state = try await instance(next.id, on: db)?.state ?? next.state
            throw TransitionRefusal.stale(state: state)
        }
    }

    /// Written with the default date strategy (see `encode`), so read the same way; damage is logged and thrown.
    private func decode(_ record: WorkflowInstanceRecord) throws -> WorkflowInstance {
        try JSONColumn.decode(WorkflowInstance.self, from: record.data, table: WorkflowInstanceRecord.schema, column: "data",
                              row: record.id?.uuidString ?? "(no id)", logger: nil, using: JSONDecoder())
    }

    static func encode(_ instance: WorkflowInstance) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(instance), as: UTF8.self)
    }
}
