import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

extension DossierService {
    /// What a filing asks for, checked against its procedure: the units, the applicant, the form and the files.
    struct CheckedFiling {
        var procedure: Procedure
        var version: Int
        var competentUnit: String
        var receivingUnit: CityProfile.Unit
        var applicant: Applicant
        var files: [(NewAttachment, String, String)]
        var today: CivilDate
    }

    /// Files a dossier online (the applicant is the caller) or at a counter (an officer of the receiving unit files it
    /// for someone and receives it at once).
    public func fileDossier(_ new: NewDossier, by principal: Principal, atCounter: Bool, at moment: Date = Date(), logger: Logger) async throws -> DossierView {
        let checked = try await check(new, by: principal, atCounter: atCounter, at: moment, logger: logger)
        let id = UUID()
        let actor = WorkflowActor(principal, isApplicant: !atCounter)
        let nationalCode = checked.receivingUnit.nationalCode ?? units.values.first { $0.parent == nil }?.nationalCode ?? "000.00.00.H57"
        let channel: Channel = atCounter ? (new.channel == .postal ? .postal : .inPerson) : .online
        let (workflow, notices) = (self.workflow, self.notices)
        try await database.write(logger: logger) { db in
            let code = try await DossierCode.next(unitNationalCode: nationalCode, on: checked.today, db: db)
            let procedure = checked.procedure
            var instance = try await workflow.start(process: procedure.process, id: id, subject: "\(Self.kind):\(code)", unit: checked.receivingUnit.code,
                                                    competentUnit: checked.competentUnit, deadline: procedure.deadline, cutOff: procedure.cutOff,
                                                    actor: actor, at: moment, on: db)
            if atCounter { instance = try await workflow.apply(OneStopAction.receive.rawValue, to: id, by: actor, at: moment, on: db).instance }
            let record = try Self.record(id: id, code: code, checked, form: new.form, channel: channel, applicantID: atCounter ? nil : principal.accountID,
                                         filedBy: principal.accountID, at: moment)
            Self.copyWorkflowState(instance, definition: try workflow.definition(procedure.process), onto: record)
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await record.insert(on: sql)
            try await Self.store(checked.files, dossier: id, by: principal.accountID, at: moment, on: db)
            // How it came in (online, at a counter, by post) is what the online-service figures count.
            try await EventLog.append(
                try DomainEvent(type: "public-services.dossier.filed", actorID: principal.accountID, actorName: principal.username,
                                unitCode: checked.competentUnit, subject: "\(Self.kind):\(code)",
                                payload: ["procedure": procedure.code, "channel": channel.eventName, "receivingUnit": checked.receivingUnit.code],
                                occurredAt: moment),
                on: db)
            if let applicantID = record.applicantID {
                try await notices?.post(
                    NoticeDraft(recipient: applicantID, template: "dossier.filed", data: ["code": code, "procedure": procedure.name],
                                link: "/dossiers/\(code)"),
                    on: db)
            }
        }
        return try await view(id: id, for: principal, logger: logger)
    }

    /// Every field error of a filing at once, or what it asks for.
    func check(_ new: NewDossier, by principal: Principal, atCounter: Bool, at moment: Date, logger: Logger) async throws -> CheckedFiling {
        guard let published = try await catalogue.current(new.procedure, logger: logger) else {
            throw Problem.unprocessable([.init(field: "procedure", message: "no procedure '\(new.procedure)'")])
        }
        let procedure = published.procedure
        var errors: [Problem.FieldError] = []
        let (competent, receiving) = units(for: new, procedure: procedure, errors: &errors)
        let today = profile.calendar.civilDate(of: moment)
        errors += Self.formErrors(new.form, procedure: procedure, today: today)
        let applicant = try applicant(of: new, by: principal, atCounter: atCounter, receiving: receiving, errors: errors)
        errors += Self.checkApplicant(applicant)
        let attachments = new.attachments ?? []
        if !atCounter {
            let sent = Set(attachments.map(\.document))
            for document in procedure.documents where document.required && !sent.contains(document.code) {
                errors.append(.init(field: "attachments", message: "missing required document '\(document.code)' (\(document.name))"))
            }
        }
        if !errors.isEmpty { throw Problem.unprocessable(errors) }
        let files = try AttachmentRules.check(attachments, allowedDocuments: Set(procedure.documents.map(\.code)))
        guard let competent, let receivingUnit = units[receiving] else { throw Problem.internal() }
        return CheckedFiling(procedure: procedure, version: published.version, competentUnit: competent, receivingUnit: receivingUnit, applicant: applicant,
                             files: files, today: today)
    }

    /// The unit that decides and the one that receives: named, or the only one that can, or the city's one-stop centre.
    func units(for new: NewDossier, procedure: Procedure, errors: inout [Problem.FieldError]) -> (competent: String?, receiving: String) {
        let candidates = procedure.competentUnits(in: profile.units).map(\.code)
        let competent: String? = {
            if let unit = new.competentUnit { return unit }
            if candidates.count == 1 { return candidates[0] }
            return new.receivingUnit.flatMap { candidates.contains($0) ? $0 : nil }
        }()
        if let competent, !candidates.contains(competent) {
            errors.append(.init(field: "competentUnit", message: "'\(competent)' cannot decide this procedure"))
        } else if competent == nil {
            errors.append(.init(field: "competentUnit", message: "choose the ward or commune that should decide it"))
        }
        let receiving = new.receivingUnit ?? (candidates.count == 1 ? defaultReceivingUnit ?? competent : competent) ?? ""
        if units[receiving] == nil { errors.append(.init(field: "receivingUnit", message: "unknown unit '\(receiving)'")) }
        return (competent, receiving)
    }

    static func formErrors(_ form: [String: String], procedure: Procedure, today: CivilDate) -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        let known = Set(procedure.form.map(\.name))
        for field in procedure.form {
            if let message = field.check(form[field.name], today: today) { errors.append(.init(field: "form.\(field.name)", message: message)) }
        }
        for name in form.keys.sorted() where !known.contains(name) {
            errors.append(.init(field: "form.\(name)", message: "is not a field of this procedure's form"))
        }
        return errors
    }

    /// Online the account is the applicant; at a counter the officer names them (and must work at that counter).
    func applicant(of new: NewDossier, by principal: Principal, atCounter: Bool, receiving: String, errors: [Problem.FieldError]) throws -> Applicant {
        guard atCounter else {
            return Applicant(name: principal.displayName, idNumber: new.applicant?.idNumber, phone: new.applicant?.phone,
                             email: new.applicant?.email, address: new.applicant?.address)
        }
        guard let given = new.applicant, let name = given.name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw Problem.unprocessable(errors + [.init(field: "applicant.name", message: "the applicant's name is required at the counter")])
        }
        if !principal.has(.officer, in: receiving), !principal.has(.unitLeader, in: receiving), errors.isEmpty {
            throw Problem.forbidden("Only officers of '\(receiving)' file dossiers at its counter.")
        }
        return Applicant(name: name, idNumber: given.idNumber, phone: given.phone, email: given.email, address: given.address)
    }

    static func record(id: UUID, code: String, _ checked: CheckedFiling, form: [String: String], channel: Channel, applicantID: String?, filedBy: String,
                       at moment: Date) throws -> DossierRecord {
        let record = DossierRecord()
        record.id = id
        record.code = code
        record.procedureCode = checked.procedure.code
        record.procedureVersion = checked.version
        record.procedureName = checked.procedure.name
        record.applicantID = applicantID
        record.applicantName = checked.applicant.name
        record.applicantIDNumber = checked.applicant.idNumber
        record.applicantPhone = checked.applicant.phone
        record.applicantEmail = checked.applicant.email
        record.applicantAddress = checked.applicant.address
        record.channel = channel.rawValue
        record.receivingUnit = checked.receivingUnit.code
        record.competentUnit = checked.competentUnit
        record.formData = try encode(form)
        record.filedBy = filedBy
        record.createdAt = moment
        return record
    }
}
