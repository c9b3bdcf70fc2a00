import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

/// After a step: the public timeline, the report cluster kept in step, reopening, rating, "me too" and closing settled results.
extension FieldReportService {
    /// What the public timeline says about a step (nothing for internal steps such as taking the case).
    func publicNote(_ action: String, input: ReportAction, next: WorkflowInstance, target: FieldReportRecord?) -> String? {
        switch ReportFlowAction(rawValue: action) {
        case .accept?:
            let due = next.clock.map { " Hạn xử lý: \(W3CDate.format($0.due))." } ?? ""
            return "Đã xác minh, chuyển \(unitName(next.unitCode)) xử lý.\(due)"
        case .askInfo?: return "Đề nghị người phản ánh bổ sung: \(input.note ?? "")"
        case .provideInfo?: return "Người phản ánh đã bổ sung thông tin."
        case .reject?: return "Không tiếp nhận: \(input.reason ?? "")"
        case .merge?: return "Trùng với phản ánh \(target?.code ?? input.into ?? ""), theo dõi kết quả tại phản ánh đó."
        case .transfer?: return "Chuyển \(unitName(next.unitCode)) xử lý: \(input.reason ?? "")"
        case .resolve?: return input.note
        case .reopen?: return "Người phản ánh cho biết chưa xử lý xong: \(input.reason ?? "")"
        case .close?: return input.note ?? "Đã đóng phản ánh."
        case .claim?, nil: return nil
        }
    }

    /// Copies the case's position onto the report and onto every report clustered into it.
    func copyWorkflowState(_ next: WorkflowInstance, definition: ProcessDefinition, onto record: FieldReportRecord, at moment: Date, on db: any Database) async throws {
        record.state = next.state
        record.isOpen = next.isOpen(in: definition)
        record.unitCode = next.unitCode
        record.dueAt = next.effectiveDue ?? next.clock?.due
        record.onTime = next.onTime
        record.updatedAt = moment
        try await record.update(on: db)
        guard next.state != ReportFlowState.merged.rawValue else { return }
        let id = try record.requireID()
        guard let sql = db as? any SQLDatabase else {
            db.logger.error("field report cluster not updated: the database has no SQL", metadata: ["report": .string(record.code)])
            throw Problem.internal()
        }
        try await sql.raw("""
            UPDATE field_reports SET state = \(bind: record.state), is_open = \(bind: record.isOpen), unit_code = \(bind: record.unitCode),
              due_at = \(bind: record.dueAt), on_time = \(bind: record.onTime), result_note = \(bind: record.resultNote),
              resolved_at = \(bind: record.resolvedAt), updated_at = \(bind: moment)
            WHERE case_id = \(bind: id) AND state <> \(bind: ReportFlowState.merged.rawValue)
            """).run()
    }

    func reopenUntil(_ record: FieldReportRecord) -> Date? {
        guard record.flowState == .resolved, let resolved = record.resolvedAt else { return nil }
        return resolved.addingTimeInterval(Double(settings.reopenWindowDays) * 86_400)
    }

    /// The reporter rates the result 1–5. Rating the case's own report closes it.
    public func rate(_ code: String, rating: ReportRating, by viewer: ReportViewer, at moment: Date = Date(), logger: Logger) async throws -> FieldReportView {
        guard (1...5).contains(rating.stars) else { throw Problem.unprocessable([.init(field: "stars", message: "from 1 to 5")]) }
        if let comment = rating.comment, comment.count > 1000 { throw Problem.unprocessable([.init(field: "comment", message: "at most 1000 characters")]) }
        let db = try database.db(logger: logger)
        let record = try await record(code, on: db)
        guard viewer.accountID != nil, viewer.accountID == record.reporterID else { throw Problem.forbidden("Only the person who reported it can rate the result.") }
        guard record.flowState == .resolved || record.flowState == .closed else { throw Problem.conflict("There is no result to rate yet (the report is '\(stateName(record.state))').") }
        if record.rating != nil { throw Problem.conflict("This report has already been rated.") }
        let reportID = try record.requireID()
        let workflow = self.workflow
        let closes = record.flowState == .resolved && record.instanceID != nil
        let actor = WorkflowActor(id: viewer.accountID, name: viewer.name, grants: viewer.grants, isApplicant: true)
        try await database.write(logger: logger) { [self] db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let rows: [any SQLRow] = try await sql.raw("""
                UPDATE field_reports SET rating = \(bind: rating.stars), rating_comment = \(bind: rating.comment), updated_at = \(bind: moment)
                WHERE id = \(bind: reportID) AND rating IS NULL RETURNING id
                """).all()
            if rows.isEmpty { throw Problem.conflict("This report has already been rated.") }
            if closes, let instanceID = record.instanceID, let fresh = try await FieldReportRecord.find(reportID, on: db) {
                let (next, _) = try await workflow.apply(ReportFlowAction.close.rawValue, to: instanceID, by: actor,
                                                         inputs: ActionInputs(note: "Người phản ánh đánh giá \(rating.stars)/5."), at: moment, on: db)
                try await copyWorkflowState(next, definition: try workflow.definition(next.process), onto: fresh, at: moment, on: db)
            }
            try await Self.addUpdate(to: reportID, state: closes ? ReportFlowState.closed.rawValue : record.state, author: "Người phản ánh",
                                     description: "Đánh giá kết quả: \(rating.stars)/5.", at: moment, on: db)
            try await EventLog.append(
                try DomainEvent(type: "field-report.rated", actorID: viewer.accountID, actorName: viewer.name, unitCode: record.unitCode,
                                subject: "\(Self.subjectKind):\(record.code)", payload: ["stars": String(rating.stars)], occurredAt: moment),
                on: db)
        }
        return try await view(code: code, for: viewer, logger: logger)
    }

    /// "Me too": one support per person, counted on the case.
    public func support(_ code: String, by viewer: ReportViewer, at moment: Date = Date(), logger: Logger) async throws -> FieldReportView {
        guard let accountID = viewer.accountID else { throw Problem.unauthorized() }
        let db = try database.db(logger: logger)
        var record = try await record(code, on: db)
        if let head = record.caseID, let primary = try await FieldReportRecord.find(head, on: db) { record = primary }
        guard record.isPublic else { throw Problem.notFound("No report '\(code)'.") }
        guard record.isOpen else { throw Problem.conflict("The report is no longer open.") }
        if record.reporterID == accountID { throw Problem.conflict("This is your own report.") }
        let reportID = try record.requireID()
        let already = try await FieldReportSupportRecord.query(on: db).filter(\.$reportID == reportID).filter(\.$accountID == accountID).first()
        if already != nil { throw Problem.conflict("You already support this report.") }
        do {
            try await database.write(logger: logger) { db in
                let support = FieldReportSupportRecord()
                support.reportID = reportID
                support.accountID = accountID
                support.at = moment
                try await support.create(on: db)
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                try await sql.raw("UPDATE field_reports SET supports = supports + 1 WHERE id = \(bind: reportID)").run()
            }
        } catch {
            // The unique (report, account) pair lost a race with the same person's other click.
            if try await FieldReportSupportRecord.query(on: db).filter(\.$reportID == reportID).filter(\.$accountID == accountID).first() != nil {
                throw Problem.conflict("You already support this report.")
            }
            throw error
        }
        return try await view(code: record.code, for: viewer, logger: logger)
    }

    /// Closes results nobody reopened within the window. Returns how many were closed.
    @discardableResult
    public func closeSettled(at moment: Date = Date(), limit: Int = 200, logger: Logger) async throws -> Int {
        let cutoff = moment.addingTimeInterval(-Double(settings.reopenWindowDays) * 86_400)
        let db = try database.db(logger: logger)
        let due = try await FieldReportRecord.query(on: db).filter(\.$state == ReportFlowState.resolved.rawValue).filter(\.$caseID == nil)
            .filter(\.$resolvedAt < cutoff).range(0..<limit).all()
        var closed = 0
        for record in due {
            let reportID = try record.requireID()
            guard let instanceID = record.instanceID else {
                logger.warning("resolved report not closed: it has no workflow case", metadata: ["report": .string(record.code)])
                continue
            }
            do {
                try await database.write(logger: logger) { [self] db in
                    guard let fresh = try await FieldReportRecord.find(reportID, on: db) else {
                        logger.error("resolved report vanished before it could be closed", metadata: ["report": .string(reportID.uuidString)])
                        throw Problem.internal()
                    }
                    let (next, _) = try await workflow.apply(ReportFlowAction.close.rawValue, to: instanceID, by: .system,
                                                             inputs: ActionInputs(note: "Tự động đóng sau \(settings.reopenWindowDays) ngày."),
                                                             at: moment, on: db)
                    try await copyWorkflowState(next, definition: try workflow.definition(next.process), onto: fresh, at: moment, on: db)
                    try await Self.addUpdate(to: reportID, state: ReportFlowState.closed.rawValue, author: "HueS",
                                             description: "Đã đóng: quá \(settings.reopenWindowDays) ngày không có ý kiến.", at: moment, on: db)
                }
                closed += 1
            } catch let refusal as TransitionRefusal {
                // Usually someone acted on the report meanwhile; the log says which report and why it stayed open.
                logger.warning("resolved report not closed", metadata: ["report": .string(record.code), "refusal": .string(refusal.description)])
                continue
            }
        }
        return closed
    }
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
