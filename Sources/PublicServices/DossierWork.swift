import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

extension DossierService {
    // MARK: Work on a dossier

    /// Takes a workflow action on a dossier, with its files, in one transaction.
    public func takeAction(_ action: String, on code: String, with input: DossierAction, by principal: Principal, at moment: Date = Date(),
                    logger: Logger) async throws -> DossierView {
        let (record, instance) = try await visibleDossier(code, for: principal, logger: logger)
        guard let id = record.id else { throw Problem.internal() }
        let definition = try workflow.definition(instance.process)
        let inputs = try await actionInputs(input, unit: instance.unitCode, logger: logger)
        let known = OneStopAction(rawValue: action)
        let allowed = try await documentsAllowed(with: known, on: record, logger: logger)
        if !(input.attachments ?? []).isEmpty, allowed.isEmpty {
            throw Problem.unprocessable([.init(field: "attachments", message: "'\(action)' does not take files")])
        }
        var files = try AttachmentRules.check(input.attachments ?? [], allowedDocuments: allowed)
        let actor = WorkflowActor(principal, isApplicant: record.applicantID == principal.accountID)
        // Refuse before signing anything: the same rules the transaction will apply.
        _ = try workflow.engine.apply(action, to: instance, definition: definition, by: actor, inputs: inputs, at: moment)
        if known == .issueResult, !files.isEmpty {
            // A result is a legal act: it never leaves unsigned because the signing module is switched off.
            guard let resultSigner = capabilities.first((any ResultSigning).self) else {
                throw Problem.conflict("Results leave signed by the issuing officer, and signing is off on this platform.")
            }
            files = try await files.asyncMap { file in
                let signed = try await resultSigner.sign(file.0.content, mediaType: file.1, subject: "dossier:\(record.code)", by: principal)
                var attachment = file.0
                attachment.content = signed
                return try AttachmentRules.check([attachment], allowedDocuments: allowed)[0]
            }
        }
        let fee = known == .requestFee ? try await feeRequest(for: record, unit: instance.unitCode, by: principal, logger: logger) : nil
        let (workflow, notices, checkedFiles) = (self.workflow, self.notices, files)
        try await database.write(logger: logger) { db in
            let (next, _) = try await workflow.apply(action, to: id, by: actor, inputs: inputs, at: moment, on: db)
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard let fresh = try await DossierRecord.read(id, on: sql) else { throw Problem.notFound() }
            Self.copyWorkflowState(next, definition: definition, onto: fresh)
            if next.state == OneStopState.returned.rawValue, fresh.returnedAt == nil { fresh.returnedAt = moment }
            try await fresh.saveWorkflowState(on: sql)
            try await Self.store(checkedFiles, dossier: id, by: principal.accountID, at: moment, on: db)
            if let fee { try await fee.desk.requestFee(fee.request, on: db) }
            if let applicantID = fresh.applicantID, next.state != instance.state, applicantID != principal.accountID {
                let state = definition.state(next.state)
                try await notices?.post(
                    NoticeDraft(recipient: applicantID, template: "dossier.status-changed",
                                data: ["code": fresh.code, "procedure": fresh.procedureName, "status": state?.name ?? next.state,
                                       "status_en": state?.nameEn ?? next.state]
                                    // No reason, no "Reason:" line: the templates show it only when the key is there.
                                    .merging(input.reason.flatMap { $0.isEmpty ? nil : ["reason": $0] } ?? [:]) { first, _ in first },
                                link: "/dossiers/\(fresh.code)"),
                    on: db)
            }
        }
        return try await view(id: id, for: principal, logger: logger)
    }

    /// The action's inputs, with a named officer checked against the unit's staff and an extension kept reasonable.
    func actionInputs(_ input: DossierAction, unit: String, logger: Logger) async throws -> ActionInputs {
        var inputs = ActionInputs(note: input.note, reason: input.reason, extendBy: input.extendBy, branch: input.branch, documents: input.documents)
        if let officerID = input.officer {
            let officers = try await staff.staff(holding: .officer, in: unit, logger: logger)
            guard let officer = officers.first(where: { $0.accountID == officerID }) else {
                throw Problem.unprocessable([.init(field: "officer", message: "not an officer of '\(unit)'")])
            }
            inputs.officer = ActionInputs.Officer(id: officer.accountID, name: officer.name)
        }
        if let extendBy = input.extendBy, Self.isUnreasonable(extendBy) {
            throw Problem.unprocessable([.init(field: "extension", message: "an extension is between 1 hour and 30 days")])
        }
        return inputs
    }

    /// Files come with the actions that carry them: the applicant's supplement and the officer's result.
    func documentsAllowed(with action: OneStopAction?, on record: DossierRecord, logger: Logger) async throws -> Set<String> {
        switch action {
        case .supplement?, .correct?:
            let procedure = try await procedureVersion(of: record, logger: logger)
            return Set(procedure.documents.map(\.code)).union(["supplement"])
        case .issueResult?: return ["result"]
        default: return []
        }
    }

    /// The fee to invoice and who invoices it; a platform without payments says so instead of moving the dossier on.
    func feeRequest(for record: DossierRecord, unit: String, by principal: Principal, logger: Logger) async throws -> (request: FeeRequest, desk: any FeeInvoicing) {
        guard let desk = capabilities.first((any FeeInvoicing).self) else {
            throw Problem.conflict("Fees cannot be collected here: this platform has no payments module to invoice them.")
        }
        let procedure = try await procedureVersion(of: record, logger: logger)
        guard procedure.fee > 0 else { throw Problem.unprocessable([.init(field: "action", message: "this procedure charges no fee")]) }
        let request = FeeRequest(dossierCode: record.code, procedureName: record.procedureName, amount: procedure.fee, unitCode: unit,
                                 payerID: record.applicantID, payerName: record.applicantName, requestedBy: principal.accountID,
                                 requestedByName: principal.displayName)
        return (request, desk)
    }

    /// The fee was paid online: the dossier leaves "waiting for the fee" in the transaction that recorded the money.
    ///
    /// Money booked for a dossier that cannot move (no such dossier, or it is not waiting for its fee) is still booked:
    /// the payment stands, and the mismatch is logged and recorded as `public-services.fee.unmatched` in the same
    /// transaction, so staff can see it and refund or follow up.
    public func feePaid(dossierCode: String, invoiceReference: String, on db: any Database) async throws {
        func unmatched(_ reason: String, unit: String?) async throws {
            db.logger.warning("fee paid but the dossier cannot move", metadata: [
                "dossier": .string(dossierCode), "invoice": .string(invoiceReference), "reason": .string(reason),
            ])
            try await EventLog.append(
                try DomainEvent(type: "public-services.fee.unmatched", actorName: "Cổng thanh toán trực tuyến", unitCode: unit,
                                subject: "dossier:\(dossierCode.uppercased())", payload: ["invoice": invoiceReference, "reason": reason]),
                on: db)
        }
        guard let record = try await DossierRecord.query(on: db).filter(\.$code == dossierCode.uppercased()).first() else {
            return try await unmatched("no such dossier", unit: nil)
        }
        let id = try record.requireID()
        guard let instance = try await workflow.instance(id, on: db) else {
            return try await unmatched("the dossier has no workflow case", unit: record.competentUnit)
        }
        guard instance.state == OneStopState.awaitingFee.rawValue else {
            return try await unmatched("the dossier is '\(instance.state)', not awaiting its fee", unit: instance.unitCode)
        }
        let definition = try workflow.definition(instance.process)
        let payments = WorkflowActor(id: nil, name: "Cổng thanh toán trực tuyến", grants: [RoleGrant(role: .admin)], isApplicant: false)
        let (next, _) = try await workflow.apply(OneStopAction.confirmFee.rawValue, to: id, by: payments,
                                                 inputs: ActionInputs(note: "Đã thanh toán trực tuyến, hóa đơn \(invoiceReference)"), at: Date(), on: db)
        Self.copyWorkflowState(next, definition: definition, onto: record)
        record.updatedAt = Date()
        try await record.update(on: db)
    }

    public func rate(_ code: String, _ rating: Rating, by principal: Principal, logger: Logger) async throws -> DossierView {
        guard (1...5).contains(rating.score) else { throw Problem.unprocessable([.init(field: "score", message: "must be 1 to 5")]) }
        if let comment = rating.comment, comment.count > 1000 {
            throw Problem.unprocessable([.init(field: "comment", message: "at most 1000 characters")])
        }
        let (record, _) = try await visibleDossier(code, for: principal, logger: logger)
        guard record.applicantID == principal.accountID, let id = record.id else { throw Problem.forbidden("Only the applicant rates a dossier.") }
        try await database.write(logger: logger) { db in
            guard let fresh = try await DossierRecord.find(id, on: db) else { throw Problem.notFound() }
            guard fresh.state == OneStopState.returned.rawValue else { throw Problem.conflict("A dossier is rated once its result has been returned.") }
            guard fresh.rating == nil else { throw Problem.conflict("This dossier has already been rated.") }
            fresh.rating = rating.score
            fresh.ratingComment = rating.comment
            fresh.updatedAt = Date()
            try await fresh.update(on: db)
            try await EventLog.append(
                try DomainEvent(type: "public-services.dossier.rated", actorID: principal.accountID, actorName: principal.username,
                                unitCode: fresh.competentUnit, subject: "dossier:\(fresh.code)", payload: ["score": rating.score]),
                on: db)
        }
        return try await view(id: id, for: principal, logger: logger)
    }
}
