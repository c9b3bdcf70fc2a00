import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

/// The handling flow: verification, routing, transfer, result, reopen, rating, merge and "me too".
extension FieldReportService {
    /// Takes a workflow action on a report's case, keeps the report's public row in step and tells the reporter.
    public func act(_ action: String, on code: String, with input: ReportAction, by viewer: ReportViewer, at moment: Date = Date(),
                    logger: Logger) async throws -> FieldReportView {
        let db = try database.db(logger: logger)
        let record = try await record(code, on: db)
        guard let instanceID = record.instanceID else {
            let head = try await record.caseID.asyncFlatMap { try await FieldReportRecord.find($0, on: db) }
            throw Problem.conflict("Report \(code) is part of the case \(head?.code ?? "?"); act on that report.")
        }
        guard let instance = try await workflow.instance(instanceID, on: db) else { throw Problem.internal() }
        let definition = try workflow.definition(instance.process)

        var inputs = ActionInputs(note: input.note, reason: input.reason, unit: input.unit)
        var errors: [Problem.FieldError] = []
        if let unit = input.unit, !unit.isEmpty, units[unit] == nil { errors.append(.init(field: "unit", message: "'\(unit)' is not a unit of this city")) }
        var rejection: Rejection?
        var target: FieldReportRecord?
        var resultPhotos: [CleanPhoto] = []
        switch action {
        case "accept":
            if (input.unit ?? "").isEmpty, instance.competentUnitCode == settings.intakeUnit {
                errors.append(.init(field: "unit", message: "this report has no position to route by; choose the unit that will handle it"))
            }
        case "transfer":
            if input.unit == record.unitCode { errors.append(.init(field: "unit", message: "the report is already with this unit")) }
        case "reject":
            rejection = Rejection(rawValue: input.rejection ?? Rejection.invalid.rawValue)
            if rejection == nil { errors.append(.init(field: "rejection", message: "one of invalid, not-responsible, duplicate")) }
        case "merge":
            guard let into = input.into, !into.isEmpty else { errors.append(.init(field: "into", message: "the report this one duplicates")); break }
            target = try await FieldReportRecord.query(on: db).filter(\.$code == into).first()
            if let head = target {
                if head.id == record.id { errors.append(.init(field: "into", message: "a report cannot duplicate itself")) }
                else if head.caseID != nil || !head.isOpen { errors.append(.init(field: "into", message: "\(into) is not an open case of its own")) }
                else if head.category != record.category { errors.append(.init(field: "into", message: "\(into) is of another category")) }
                // A unit folds reports into its own cases; across units only the operations centre may.
                else if head.unitCode != record.unitCode && !viewer.isOperator(of: settings.intakeUnit) {
                    errors.append(.init(field: "into", message: "\(into) is handled by another unit; the operations centre merges across units"))
                }
            } else { errors.append(.init(field: "into", message: "no report '\(into)'")) }
            if inputs.note == nil { inputs.note = "Trùng với phản ánh \(into)" }
        case "resolve":
            for (index, bytes) in (input.photos ?? []).enumerated() {
                if index >= ReportValidation.maxPhotos { errors.append(.init(field: "photos", message: "at most \(ReportValidation.maxPhotos) photos")); break }
                do { resultPhotos.append(try PhotoCleaner.clean(bytes)) } catch let problem as PhotoProblem {
                    errors.append(.init(field: "photos[\(index)]", message: "the file \(problem)"))
                }
            }
        case "reopen":
            if let until = reopenUntil(record), moment > until {
                throw Problem.conflict("The result was published on \(W3CDate.format(record.resolvedAt ?? moment)); it can be reopened for \(settings.reopenWindowDays) days only.")
            }
        default:
            break
        }
        if !errors.isEmpty { throw Problem.unprocessable(errors) }
        resultPhotos = try await fitted(resultPhotos)

        let isReporter = viewer.accountID != nil && viewer.accountID == record.reporterID
        let actor = WorkflowActor(id: viewer.accountID, name: viewer.name, grants: viewer.grants, isApplicant: isReporter)
        // Refuse before writing anything, with the engine's own reason.
        _ = try workflow.engine.apply(action, to: instance, definition: definition, by: actor, inputs: inputs, at: moment)

        let workflow = self.workflow
        let reportID = try record.requireID()
        let (inputs_, resultPhotos_, rejection_, target_) = (inputs, resultPhotos, rejection, target)
        let author = action == "provide-info" || action == "reopen" ? "Người phản ánh" : unitName(instance.unitCode)
        try await database.write(logger: logger) { [self] db in
            guard let fresh = try await FieldReportRecord.find(reportID, on: db) else { throw Problem.internal() }
            let (next, _) = try await workflow.apply(action, to: instanceID, by: actor, inputs: inputs_, at: moment, on: db)
            var photoID: UUID?
            for (position, photo) in resultPhotos_.enumerated() {
                let id = try await Self.storePhoto(photo, report: reportID, purpose: "result", position: position, at: moment, on: db)
                photoID = photoID ?? id
            }
            switch action {
            case "accept": fresh.acceptedAt = moment
            case "reject": fresh.rejection = rejection_?.rawValue
            case "resolve":
                fresh.resultNote = input.note
                fresh.resolvedAt = moment
                fresh.handlingSeconds = Int(moment.timeIntervalSince(fresh.acceptedAt ?? fresh.requestedAt))
            case "reopen":
                fresh.resolvedAt = nil
                fresh.handlingSeconds = nil
            case "merge":
                if let target_, let targetID = target_.id {
                    fresh.caseID = targetID
                    // The duplicate's own followers and supports now count for the case it joined.
                    try await (db as? any SQLDatabase)?.raw("""
                        UPDATE field_reports SET case_id = \(bind: targetID) WHERE case_id = \(bind: reportID)
                        """).run()
                    try await (db as? any SQLDatabase)?.raw("""
                        UPDATE field_reports SET supports = supports + \(bind: fresh.supports) WHERE id = \(bind: targetID)
                        """).run()
                    try await Self.addUpdate(to: targetID, state: target_.state, author: author,
                                             description: "Phản ánh trùng \(fresh.code) đã được gộp vào đây.", at: moment, on: db)
                }
            default: break
            }
            try await project(next, definition: definition, onto: fresh, at: moment, on: db)
            if let description = publicNote(action, input: input, next: next, target: target_) {
                try await Self.addUpdate(to: reportID, state: action == "reopen" ? "reopened" : next.state, author: author, description: description,
                                         photo: photoID, at: moment, on: db)
            }
            if let reporter = fresh.reporterID, !isReporter, next.state != instance.state {
                try await notices?.post(
                    NoticeDraft(recipient: reporter, template: "field-report.updated",
                                data: ["code": fresh.code, "category": settings.category(fresh.category)?.name ?? fresh.category,
                                       "status": stateName(next.state), "status_en": stateName(next.state, english: true),
                                       "note": input.note ?? input.reason ?? ""],
                                link: "/field-reports/\(fresh.code)"),
                    on: db)
            }
        }
        return try await view(code: code, for: viewer, logger: logger)
    }

    /// What the public timeline says about a step (nothing for internal steps such as taking the case).
    func publicNote(_ action: String, input: ReportAction, next: WorkflowInstance, target: FieldReportRecord?) -> String? {
        switch action {
        case "accept":
            let due = next.clock.map { " Hạn xử lý: \(W3CDate.format($0.due))." } ?? ""
            return "Đã xác minh, chuyển \(unitName(next.unitCode)) xử lý.\(due)"
        case "ask-info": return "Đề nghị người phản ánh bổ sung: \(input.note ?? "")"
        case "provide-info": return "Người phản ánh đã bổ sung thông tin."
        case "reject": return "Không tiếp nhận: \(input.reason ?? "")"
        case "merge": return "Trùng với phản ánh \(target?.code ?? input.into ?? ""), theo dõi kết quả tại phản ánh đó."
        case "transfer": return "Chuyển \(unitName(next.unitCode)) xử lý: \(input.reason ?? "")"
        case "resolve": return input.note
        case "reopen": return "Người phản ánh cho biết chưa xử lý xong: \(input.reason ?? "")"
        case "close": return input.note ?? "Đã đóng phản ánh."
        default: return nil
        }
    }

    /// Copies the case's position onto the report and onto every report clustered into it.
    func project(_ next: WorkflowInstance, definition: ProcessDefinition, onto record: FieldReportRecord, at moment: Date, on db: any Database) async throws {
        record.state = next.state
        record.isOpen = next.isOpen(in: definition)
        record.unitCode = next.unitCode
        record.dueAt = next.effectiveDue ?? next.clock?.due
        record.onTime = next.onTime
        record.updatedAt = moment
        try await record.update(on: db)
        guard next.state != "merged" else { return }
        let id = try record.requireID()
        guard let sql = db as? any SQLDatabase else {
            db.logger.error("field report cluster not updated: the database has no SQL", metadata: ["report": .string(record.code)])
            throw Problem.internal()
        }
        try await sql.raw("""
            UPDATE field_reports SET state = \(bind: record.state), is_open = \(bind: record.isOpen), unit_code = \(bind: record.unitCode),
              due_at = \(bind: record.dueAt), on_time = \(bind: record.onTime), result_note = \(bind: record.resultNote),
              resolved_at = \(bind: record.resolvedAt), updated_at = \(bind: moment)
            WHERE case_id = \(bind: id) AND state <> \(bind: "merged")
            """).run()
    }

    func reopenUntil(_ record: FieldReportRecord) -> Date? {
        guard record.state == "resolved", let resolved = record.resolvedAt else { return nil }
        return resolved.addingTimeInterval(Double(settings.reopenWindowDays) * 86_400)
    }

    /// The reporter rates the result 1–5. Rating the case's own report closes it.
    public func rate(_ code: String, rating: ReportRating, by viewer: ReportViewer, at moment: Date = Date(), logger: Logger) async throws -> FieldReportView {
        guard (1...5).contains(rating.stars) else { throw Problem.unprocessable([.init(field: "stars", message: "from 1 to 5")]) }
        if let comment = rating.comment, comment.count > 1000 { throw Problem.unprocessable([.init(field: "comment", message: "at most 1000 characters")]) }
        let db = try database.db(logger: logger)
        let record = try await record(code, on: db)
        guard viewer.accountID != nil, viewer.accountID == record.reporterID else { throw Problem.forbidden("Only the person who reported it can rate the result.") }
        guard ["resolved", "closed"].contains(record.state) else { throw Problem.conflict("There is no result to rate yet (the report is '\(stateName(record.state))').") }
        if record.rating != nil { throw Problem.conflict("This report has already been rated.") }
        let reportID = try record.requireID()
        let workflow = self.workflow
        let closes = record.state == "resolved" && record.instanceID != nil
        let actor = WorkflowActor(id: viewer.accountID, name: viewer.name, grants: viewer.grants, isApplicant: true)
        try await database.write(logger: logger) { [self] db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let rows: [any SQLRow] = try await sql.raw("""
                UPDATE field_reports SET rating = \(bind: rating.stars), rating_comment = \(bind: rating.comment), updated_at = \(bind: moment)
                WHERE id = \(bind: reportID) AND rating IS NULL RETURNING id
                """).all()
            if rows.isEmpty { throw Problem.conflict("This report has already been rated.") }
            if closes, let instanceID = record.instanceID, let fresh = try await FieldReportRecord.find(reportID, on: db) {
                let (next, _) = try await workflow.apply("close", to: instanceID, by: actor, inputs: ActionInputs(note: "Người phản ánh đánh giá \(rating.stars)/5."),
                                                         at: moment, on: db)
                try await project(next, definition: try workflow.definition(next.process), onto: fresh, at: moment, on: db)
            }
            try await Self.addUpdate(to: reportID, state: closes ? "closed" : record.state, author: "Người phản ánh",
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
                try await (db as? any SQLDatabase)?.raw("UPDATE field_reports SET supports = supports + 1 WHERE id = \(bind: reportID)").run()
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
        let due = try await FieldReportRecord.query(on: db).filter(\.$state == "resolved").filter(\.$caseID == nil)
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
                    let (next, _) = try await workflow.apply("close", to: instanceID, by: .system,
                                                             inputs: ActionInputs(note: "Tự động đóng sau \(settings.reopenWindowDays) ngày."),
                                                             at: moment, on: db)
                    try await project(next, definition: try workflow.definition(next.process), onto: fresh, at: moment, on: db)
                    try await Self.addUpdate(to: reportID, state: "closed", author: "HueS",
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
