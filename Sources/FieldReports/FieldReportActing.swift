import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

/// One action on a report, checked and accepted by the engine in a dry run, ready to be written.
struct ReportStep: Sendable {
    var action: String
    var input: ReportAction
    var checked: CheckedReportAction
    var reportID: UUID
    var instanceID: UUID
    /// The case as it stood before the action.
    var before: WorkflowInstance
    var definition: ProcessDefinition
    var actor: WorkflowActor
    var byReporter: Bool
    /// Whose name the public timeline shows for the step.
    var author: String
    var moment: Date

    var flow: ReportFlowAction? { ReportFlowAction(rawValue: action) }
}

extension FieldReportService {
    /// Takes a workflow action on a report's case, keeps the report's public row in step and tells the reporter.
    public func takeAction(_ action: String, on code: String, with input: ReportAction, by viewer: ReportViewer, at moment: Date = Date(),
                    logger: Logger) async throws -> FieldReportView {
        let db = try database.db(logger: logger)
        let record = try await record(code, on: db)
        // Nobody acts on a report they may not read (a private tip is not even shown to exist).
        guard maySee(record, viewer: viewer) else { throw Problem.notFound("No report '\(code)'.") }
        guard let instanceID = record.instanceID else {
            let head = try await record.caseID.asyncFlatMap { try await FieldReportRecord.find($0, on: db) }
            throw Problem.conflict("Report \(code) is part of the case \(head?.code ?? "?"); act on that report.")
        }
        guard let instance = try await workflow.instance(instanceID, on: db) else { throw Problem.internal() }
        let definition = try workflow.definition(instance.process)
        var checked = try await checkedAction(action, on: record, instance: instance, with: input, by: viewer, at: moment, on: db)
        checked.resultPhotos = try await fitted(checked.resultPhotos)

        let isReporter = viewer.accountID != nil && viewer.accountID == record.reporterID
        // An IOC operator acts for the operations centre only; the role held in a ward gives no reach over reports.
        let grants = viewer.grants.filter { $0.role != .iocOperator || $0.unitCode == settings.intakeUnit }
        let actor = WorkflowActor(id: viewer.accountID, name: viewer.name, grants: grants, isApplicant: isReporter)
        // Refuse before writing anything, with the engine's own reason.
        _ = try workflow.engine.apply(action, to: instance, definition: definition, by: actor, inputs: checked.inputs, at: moment)

        let step = ReportStep(action: action, input: input, checked: checked, reportID: try record.requireID(), instanceID: instanceID,
                              before: instance, definition: definition, actor: actor, byReporter: isReporter,
                              author: author(of: ReportFlowAction(rawValue: action), on: instance), moment: moment)
        try await database.write(logger: logger) { [self] db in try await recordStep(step, on: db) }
        return try await view(code: code, for: viewer, logger: logger)
    }

    /// The reporter speaks for the steps only they take; every other step is the unit's.
    private func author(of flow: ReportFlowAction?, on instance: WorkflowInstance) -> String {
        flow == .provideInfo || flow == .reopen ? "Người phản ánh" : unitName(instance.unitCode)
    }

    /// Everything one action changes, in one transaction and in this order: the case, the result photos, the report
    /// row (and a merge's case), the cluster, the public timeline, the reporter's notice.
    private func recordStep(_ step: ReportStep, on db: any Database) async throws {
        guard let fresh = try await FieldReportRecord.find(step.reportID, on: db) else { throw Problem.internal() }
        let (next, _) = try await workflow.apply(step.action, to: step.instanceID, by: step.actor, inputs: step.checked.inputs, at: step.moment, on: db)
        var photoID: UUID?
        for (position, photo) in step.checked.resultPhotos.enumerated() {
            let id = try await Self.storePhoto(photo, report: step.reportID, purpose: "result", position: position, at: step.moment, on: db)
            photoID = photoID ?? id
        }
        try await keepReportInStep(fresh, with: step, on: db)
        try await copyWorkflowState(next, definition: step.definition, onto: fresh, at: step.moment, on: db)
        if let description = publicNote(step.action, input: step.input, next: next, target: step.checked.target) {
            try await Self.addUpdate(to: step.reportID, state: step.flow == .reopen ? ReportTimelineMark.reopened : next.state, author: step.author,
                                     description: description, photo: photoID, at: step.moment, on: db)
        }
        try await tellReporter(about: fresh, after: step, next: next, on: db)
    }

    /// The report row's own columns for the step: when it was taken on, why it was refused, the result and how long it
    /// took; a merge also folds the duplicate into its case.
    private func keepReportInStep(_ fresh: FieldReportRecord, with step: ReportStep, on db: any Database) async throws {
        switch step.flow {
        case .accept?: fresh.acceptedAt = step.moment
        case .reject?: fresh.rejection = step.checked.rejection?.rawValue
        case .resolve?:
            fresh.resultNote = step.input.note
            fresh.resolvedAt = step.moment
            fresh.handlingSeconds = Int(step.moment.timeIntervalSince(fresh.acceptedAt ?? fresh.requestedAt))
        case .reopen?:
            fresh.resolvedAt = nil
            fresh.handlingSeconds = nil
        case .merge?:
            if let target = step.checked.target, let targetID = target.id {
                try await fold(fresh, into: target, targetID: targetID, step: step, on: db)
            }
        case .askInfo?, .provideInfo?, .claim?, .transfer?, .close?, nil:
            break
        }
    }

    private func fold(_ duplicate: FieldReportRecord, into target: FieldReportRecord, targetID: UUID, step: ReportStep,
                      on db: any Database) async throws {
        duplicate.caseID = targetID
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        // The duplicate's own followers and supports now count for the case it joined.
        try await sql.raw("""
            UPDATE field_reports SET case_id = \(bind: targetID) WHERE case_id = \(bind: step.reportID)
            """).run()
        try await sql.raw("""
            UPDATE field_reports SET supports = supports + \(bind: duplicate.supports) WHERE id = \(bind: targetID)
            """).run()
        try await Self.addUpdate(to: targetID, state: target.state, author: step.author,
                                 description: "Phản ánh trùng \(duplicate.code) đã được gộp vào đây.", at: step.moment, on: db)
    }

    /// The reporter hears of every change of state, except the ones they made themselves.
    private func tellReporter(about fresh: FieldReportRecord, after step: ReportStep, next: WorkflowInstance, on db: any Database) async throws {
        guard let reporter = fresh.reporterID, !step.byReporter, next.state != step.before.state else { return }
        try await notices?.post(
            NoticeDraft(recipient: reporter, template: "field-report.updated",
                        data: ["code": fresh.code, "category": settings.category(fresh.category)?.name ?? fresh.category,
                               "status": stateName(next.state), "status_en": stateName(next.state, english: true),
                               "note": step.input.note ?? step.input.reason ?? ""],
                        link: "/field-reports/\(fresh.code)"),
            on: db)
    }
}
