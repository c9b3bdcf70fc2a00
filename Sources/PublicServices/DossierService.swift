import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

/// Dossiers: filing, the one-stop work on them, the applicant's side and the public lookup. Every change is one
/// transaction with its workflow step, its events, its files and its notices.
public struct DossierService: Sendable {
    let database: PlatformDatabase
    let catalogue: ProcedureCatalogue
    let workflow: WorkflowStore
    let profile: CityProfile
    let staff: any StaffDirectory
    let notices: (any NoticeBoard)?
    /// Where results get signed (signatures) and fees invoiced (payments), asked for when needed: either module may be absent.
    let capabilities: Capabilities
    let units: [String: CityProfile.Unit]
    /// The city's one-stop centre receives department-level dossiers when the applicant names no unit.
    let defaultReceivingUnit: String?

    public init(database: PlatformDatabase, catalogue: ProcedureCatalogue, workflow: WorkflowStore, profile: CityProfile, staff: any StaffDirectory,
                notices: (any NoticeBoard)?, capabilities: Capabilities = Capabilities()) {
        self.capabilities = capabilities
        self.database = database
        self.catalogue = catalogue
        self.workflow = workflow
        self.profile = profile
        self.staff = staff
        self.notices = notices
        self.units = Dictionary(uniqueKeysWithValues: profile.units.map { ($0.code, $0) })
        self.defaultReceivingUnit = profile.units.first { $0.code == "trung-tam-phuc-vu-hcc" }?.code
    }

    static let kind = "dossier"

    // MARK: Filing

    /// Files a dossier online (the applicant is the caller) or at a counter (an officer of the receiving unit files it
    /// for someone and receives it at once).
    public func file(_ new: NewDossier, by principal: Principal, atCounter: Bool, at moment: Date = Date(), logger: Logger) async throws -> DossierView {
        guard let published = try await catalogue.current(new.procedure, logger: logger) else {
            throw Problem.unprocessable([.init(field: "procedure", message: "no procedure '\(new.procedure)'")])
        }
        let procedure = published.procedure
        var errors: [Problem.FieldError] = []
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
        let today = profile.calendar.civilDate(of: moment)
        let known = Set(procedure.form.map(\.name))
        for field in procedure.form {
            if let message = field.check(new.form[field.name], today: today) { errors.append(.init(field: "form.\(field.name)", message: message)) }
        }
        for name in new.form.keys.sorted() where !known.contains(name) {
            errors.append(.init(field: "form.\(name)", message: "is not a field of this procedure's form"))
        }
        let applicant: Applicant
        if atCounter {
            guard let given = new.applicant, let name = given.name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
                throw Problem.unprocessable(errors + [.init(field: "applicant.name", message: "the applicant's name is required at the counter")])
            }
            applicant = Applicant(name: name, idNumber: given.idNumber, phone: given.phone, email: given.email, address: given.address)
            if !principal.has(.officer, in: receiving), !principal.has(.unitLeader, in: receiving), errors.isEmpty {
                throw Problem.forbidden("Only officers of '\(receiving)' file dossiers at its counter.")
            }
        } else {
            applicant = Applicant(name: principal.displayName, idNumber: new.applicant?.idNumber, phone: new.applicant?.phone,
                                  email: new.applicant?.email, address: new.applicant?.address)
        }
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
        guard let competentUnit = competent, let receivingUnit = units[receiving] else { throw Problem.internal() }

        let id = UUID()
        let actor = WorkflowActor(principal, isApplicant: !atCounter)
        let nationalCode = receivingUnit.nationalCode ?? units.values.first { $0.parent == nil }?.nationalCode ?? "000.00.00.H57"
        let workflow = self.workflow
        let notices = self.notices
        let channel: Channel = atCounter ? (new.channel == .postal ? .postal : .inPerson) : .online
        try await database.write(logger: logger) { db in
            let code = try await DossierCode.next(unitNationalCode: nationalCode, on: today, db: db)
            var instance = try await workflow.start(process: procedure.process, id: id, subject: "\(Self.kind):\(code)", unit: receiving,
                                                    competentUnit: competentUnit, deadline: procedure.deadline, cutOff: procedure.cutOff,
                                                    actor: actor, at: moment, on: db)
            if atCounter { instance = try await workflow.apply("receive", to: id, by: actor, at: moment, on: db).instance }
            let record = DossierRecord()
            record.id = id
            record.code = code
            record.procedureCode = procedure.code
            record.procedureVersion = published.version
            record.procedureName = procedure.name
            record.applicantID = atCounter ? nil : principal.accountID
            record.applicantName = applicant.name
            record.applicantIDNumber = applicant.idNumber
            record.applicantPhone = applicant.phone
            record.applicantEmail = applicant.email
            record.applicantAddress = applicant.address
            record.channel = channel.rawValue
            record.receivingUnit = receiving
            record.competentUnit = competentUnit
            record.formData = try Self.encode(new.form)
            record.filedBy = principal.accountID
            record.createdAt = moment
            Self.project(instance, definition: try workflow.definition(procedure.process), onto: record)
            try await record.create(on: db)
            try await Self.store(files, dossier: id, by: principal.accountID, at: moment, on: db)
            if let applicantID = record.applicantID {
                try await notices?.post(
                    NoticeDraft(recipient: applicantID, template: "dossier.filed", data: ["code": code, "procedure": procedure.name],
                                link: "/dossiers/\(code)"),
                    on: db)
            }
        }
        return try await view(id: id, for: principal, logger: logger)
    }

    // MARK: Work on a dossier

    /// Takes a workflow action on a dossier, with its files, in one transaction.
    public func act(_ action: String, on code: String, with input: DossierAction, by principal: Principal, at moment: Date = Date(),
                    logger: Logger) async throws -> DossierView {
        let (record, instance) = try await visibleDossier(code, for: principal, logger: logger)
        guard let id = record.id else { throw Problem.internal() }
        let definition = try workflow.definition(instance.process)
        let isApplicant = record.applicantID == principal.accountID
        var inputs = ActionInputs(note: input.note, reason: input.reason, extendBy: input.extendBy, branch: input.branch,
                                  documents: input.documents)
        if let officerID = input.officer {
            let officers = try await staff.staff(holding: .officer, in: instance.unitCode, logger: logger)
            guard let officer = officers.first(where: { $0.accountID == officerID }) else {
                throw Problem.unprocessable([.init(field: "officer", message: "not an officer of '\(instance.unitCode)'")])
            }
            inputs.officer = ActionInputs.Officer(id: officer.accountID, name: officer.name)
        }
        if let extendBy = input.extendBy, Self.isUnreasonable(extendBy) {
            throw Problem.unprocessable([.init(field: "extension", message: "an extension is between 1 hour and 30 days")])
        }
        // Files come with the actions that carry them: the applicant's supplement and the officer's result.
        let attachments = input.attachments ?? []
        let allowed: Set<String>
        switch action {
        case "supplement", "correct":
            let procedure = try await procedureVersion(of: record, logger: logger)
            allowed = Set(procedure.documents.map(\.code)).union(["supplement"])
        case "issue-result": allowed = ["result"]
        default: allowed = []
        }
        if !attachments.isEmpty, allowed.isEmpty {
            throw Problem.unprocessable([.init(field: "attachments", message: "'\(action)' does not take files")])
        }
        var files = try AttachmentRules.check(attachments, allowedDocuments: allowed)
        let actor = WorkflowActor(principal, isApplicant: isApplicant)
        // Refuse before signing anything: the same rules the transaction will apply.
        _ = try workflow.engine.apply(action, to: instance, definition: definition, by: actor, inputs: inputs, at: moment)
        if action == "issue-result", let resultSigner = capabilities.first((any ResultSigning).self) {
            files = try await files.asyncMap { file in
                let signed = try await resultSigner.sign(file.0.content, mediaType: file.1, subject: "dossier:\(record.code)", by: principal)
                var attachment = file.0
                attachment.content = signed
                return try AttachmentRules.check([attachment], allowedDocuments: allowed)[0]
            }
        }
        var fee: FeeRequest?
        let feeDesk = capabilities.first((any FeeInvoicing).self)
        if action == "request-fee" {
            guard feeDesk != nil else {
                throw Problem.conflict("Fees cannot be collected here: this platform has no payments module to invoice them.")
            }
            let procedure = try await procedureVersion(of: record, logger: logger)
            guard procedure.fee > 0 else { throw Problem.unprocessable([.init(field: "action", message: "this procedure charges no fee")]) }
            fee = FeeRequest(dossierCode: record.code, procedureName: record.procedureName, amount: procedure.fee, unitCode: instance.unitCode,
                             payerID: record.applicantID, payerName: record.applicantName, requestedBy: principal.accountID,
                             requestedByName: principal.displayName)
        }
        let feeRequest = fee
        let workflow = self.workflow
        let notices = self.notices
        let frozenInputs = inputs
        let checkedFiles = files
        try await database.write(logger: logger) { db in
            let (next, _) = try await workflow.apply(action, to: id, by: actor, inputs: frozenInputs, at: moment, on: db)
            guard let fresh = try await DossierRecord.find(id, on: db) else { throw Problem.notFound() }
            Self.project(next, definition: definition, onto: fresh)
            if next.state == "returned", fresh.returnedAt == nil { fresh.returnedAt = moment }
            try await fresh.update(on: db)
            try await Self.store(checkedFiles, dossier: id, by: principal.accountID, at: moment, on: db)
            if let feeRequest { try await feeDesk?.requestFee(feeRequest, on: db) }
            if let applicantID = fresh.applicantID, next.state != instance.state, applicantID != principal.accountID {
                let state = definition.state(next.state)
                try await notices?.post(
                    NoticeDraft(recipient: applicantID, template: "dossier.status-changed",
                                data: ["code": fresh.code, "procedure": fresh.procedureName, "status": state?.name ?? next.state,
                                       "status_en": state?.nameEn ?? next.state, "reason": input.reason ?? ""],
                                link: "/dossiers/\(fresh.code)"),
                    on: db)
            }
        }
        return try await view(id: id, for: principal, logger: logger)
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
        guard instance.state == "awaiting-fee" else {
            return try await unmatched("the dossier is '\(instance.state)', not awaiting its fee", unit: instance.unitCode)
        }
        let definition = try workflow.definition(instance.process)
        let payments = WorkflowActor(id: nil, name: "Cổng thanh toán trực tuyến", grants: [RoleGrant(role: .admin)], isApplicant: false)
        let (next, _) = try await workflow.apply("confirm-fee", to: id, by: payments,
                                                 inputs: ActionInputs(note: "Đã thanh toán trực tuyến, hóa đơn \(invoiceReference)"), at: Date(), on: db)
        Self.project(next, definition: definition, onto: record)
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
            guard fresh.state == "returned" else { throw Problem.conflict("A dossier is rated once its result has been returned.") }
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

    // MARK: Reading

    public func view(code: String, for principal: Principal, logger: Logger) async throws -> DossierView {
        let (record, _) = try await visibleDossier(code, for: principal, logger: logger)
        guard let id = record.id else { throw Problem.internal() }
        return try await view(id: id, for: principal, logger: logger)
    }

    func view(id: UUID, for principal: Principal, logger: Logger) async throws -> DossierView {
        let db = try database.db(logger: logger)
        guard let record = try await DossierRecord.find(id, on: db), let instance = try await workflow.instance(id, on: db) else {
            throw Problem.notFound()
        }
        let definition = try workflow.definition(instance.process)
        let procedure = try await catalogue.version(record.procedureCode, record.procedureVersion, on: db)?.procedure
        let history = try await workflow.history(id, on: db)
        let files = try await DossierAttachmentRecord.query(on: db).filter(\.$dossierID == id).sort(\.$uploadedAt).all()
        let actor = WorkflowActor(principal, isApplicant: record.applicantID == principal.accountID)
        return DossierView(
            id: id, code: record.code, procedure: ProcedureRef(code: record.procedureCode, version: record.procedureVersion, name: record.procedureName),
            applicant: Applicant(name: record.applicantName, idNumber: record.applicantIDNumber, phone: record.applicantPhone,
                                 email: record.applicantEmail, address: record.applicantAddress),
            channel: try StoredData.value(Channel.self, from: record.channel, table: DossierRecord.schema, column: "channel", row: id.uuidString,
                                          logger: logger), receivingUnit: record.receivingUnit, competentUnit: record.competentUnit,
            unit: instance.unitCode, state: instance.state, stateName: definition.state(instance.state)?.name ?? instance.state,
            nationalStatus: definition.state(instance.state)?.nationalStatus,
            officer: instance.officerID.map { StaffMember(accountID: $0, name: instance.officerName ?? "") }, filedAt: record.createdAt,
            receivedAt: record.receivedAt, promisedAt: instance.clock?.due, legalDueAt: instance.clock?.legalDue, finishedAt: instance.finishedAt,
            returnedAt: record.returnedAt, onTime: instance.onTime, late: instance.isLate(at: Date()), supplementRequests: instance.supplementRequests,
            openParallelSteps: instance.openBranches, form: try Self.decodeForm(record.formData, row: id.uuidString, logger: logger), fee: procedure?.fee ?? 0,
            attachments: files.compactMap(Self.info),
            history: history.map { step in
                DossierStep(action: step.action, actionName: definition.action(step.action)?.name ?? step.action, fromState: step.fromState,
                            toState: step.toState, toStateName: definition.state(step.toState)?.name ?? step.toState, actor: step.actorName,
                            unit: step.unitCode, note: step.note, reason: step.reason, at: step.at)
            },
            actions: workflow.engine.availableActions(definition, for: instance, actor: actor).map {
                AvailableAction(code: $0.code, name: $0.name, inputs: $0.requiredInputs.map(\.rawValue))
            },
            rating: record.rating, ratingComment: record.ratingComment, viewerIsApplicant: record.applicantID == principal.accountID)
    }

    /// The public lookup by code: status and dates only.
    public func lookup(_ code: String, logger: Logger) async throws -> PublicDossierStatus {
        let normalized = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard DossierCode.isWellFormed(normalized) else {
            throw Problem.unprocessable([.init(field: "code", message: "a dossier code looks like 000.01.00.H57-261130-0001")])
        }
        let db = try database.db(logger: logger)
        guard let record = try await DossierRecord.query(on: db).filter(\.$code == normalized).first(), let id = record.id,
              let instance = try await workflow.instance(id, on: db)
        else { throw Problem.notFound("No dossier with the code \(normalized).") }
        let definition = try workflow.definition(instance.process)
        let steps = try await workflow.history(id, on: db)
        return PublicDossierStatus(
            code: record.code, procedure: record.procedureName, receivingUnit: units[record.receivingUnit]?.name ?? record.receivingUnit,
            state: instance.state, stateName: definition.state(instance.state)?.name ?? instance.state,
            nationalStatus: definition.state(instance.state)?.nationalStatus, receivedAt: record.receivedAt, promisedAt: instance.clock?.due,
            finishedAt: instance.finishedAt, returnedAt: record.returnedAt, onTime: instance.onTime,
            steps: [PublicDossierStatus.Step(state: definition.start, stateName: definition.state(definition.start)?.name ?? "", at: record.createdAt)]
                + steps.filter { $0.fromState != $0.toState }.map {
                    PublicDossierStatus.Step(state: $0.toState, stateName: definition.state($0.toState)?.name ?? $0.toState, at: $0.at)
                })
    }

    /// The caller's own dossiers, newest first.
    public func mine(_ principal: Principal, paging: Paging = Paging(limit: 50), logger: Logger) async throws -> [DossierSummary] {
        let db = try database.db(logger: logger)
        let records = try await DossierRecord.query(on: db).filter(\.$applicantID == principal.accountID).sort(\.$createdAt, .descending)
            .range(paging.range).all()
        let instances = try await workflow.instances(records.compactMap(\.id), on: db)
        return records.compactMap { record in record.id.flatMap { instances[$0] }.map { summary(record, $0) } }
    }

    /// A unit's or the caller's queue.
    public func queue(unit: String, filter: QueueFilter, mine: Bool, for principal: Principal, paging: Paging = Paging(limit: 50),
                      at moment: Date = Date(), logger: Logger) async throws -> DossierQueue {
        guard Self.isStaff(principal, of: unit) else { throw Problem.forbidden("Only the staff of '\(unit)' see its queue.") }
        let db = try database.db(logger: logger)
        let instances = try await workflow.queue(kind: Self.kind, unit: unit, officer: mine ? principal.accountID : nil, filter: filter, at: moment,
                                                 limit: paging.limit, offset: paging.offset, on: db)
        guard !instances.isEmpty else { return DossierQueue(unit: unit, filter: filter, dossiers: []) }
        // Only the four columns a queue line shows, without hydrating whole dossier models.
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let rows = try await sql.select().columns("id", "code", "procedure_name", "applicant_name", "created_at").from(DossierRecord.schema)
            .where("id", .in, instances.map(\.id)).all()
        var byID: [UUID: QueueLine] = [:]
        for row in rows {
            byID[try row.decode(column: "id", as: UUID.self)] = QueueLine(
                code: try row.decode(column: "code", as: String.self), procedureName: try row.decode(column: "procedure_name", as: String.self),
                applicantName: try row.decode(column: "applicant_name", as: String.self), createdAt: try row.decode(column: "created_at", as: Date.self))
        }
        return DossierQueue(unit: unit, filter: filter, dossiers: instances.compactMap { instance in byID[instance.id].map { summary($0, instance, at: moment) } })
    }

    public func backlog(unit: String, for principal: Principal, at moment: Date = Date(), logger: Logger) async throws -> DossierBacklog {
        guard principal.has(.unitLeader, in: unit) else { throw Problem.forbidden("Only the leaders of '\(unit)' see its backlog.") }
        let db = try database.db(logger: logger)
        let counts = try await workflow.backlog(kind: Self.kind, unit: unit, at: moment, on: db)
        let byOfficer = try await workflow.openCasesByOfficer(kind: Self.kind, unit: unit, on: db)
        let officers = try await staff.staff(holding: .officer, in: unit, logger: logger)
        let names = Dictionary(officers.map { ($0.accountID, $0) }, uniquingKeysWith: { first, _ in first })
        var loads = officers.map { DossierBacklog.OfficerLoad(officer: $0, open: byOfficer[$0.accountID] ?? 0) }
        for (officer, count) in byOfficer where officer.map({ names[$0] == nil }) ?? true {
            loads.append(DossierBacklog.OfficerLoad(officer: officer.map { StaffMember(accountID: $0, name: $0) }, open: count))
        }
        return DossierBacklog(unit: unit, open: counts[.open] ?? 0, dueSoon: counts[.dueSoon] ?? 0, overdue: counts[.overdue] ?? 0,
                              waitingForApplicant: counts[.waitingForApplicant] ?? 0, unassigned: counts[.unassigned] ?? 0,
                              byOfficer: loads.sorted { $0.open > $1.open })
    }

    /// The bytes of one attachment, for those who may see the dossier.
    public func attachment(_ attachmentID: UUID, of code: String, for principal: Principal, logger: Logger) async throws -> (AttachmentInfo, Data) {
        let (record, _) = try await visibleDossier(code, for: principal, logger: logger)
        guard let file = try await DossierAttachmentRecord.find(attachmentID, on: try database.db(logger: logger)), file.dossierID == record.id,
              let info = Self.info(file)
        else { throw Problem.notFound("No such file in this dossier.") }
        return (info, file.content)
    }

    /// Dossiers received by a unit in a period: form 07, the dossier register.
    public func register(unit: String, from: CivilDate, through: CivilDate, for principal: Principal, logger: Logger) async throws -> [DossierSummary] {
        guard Self.isStaff(principal, of: unit) else { throw Problem.forbidden() }
        let db = try database.db(logger: logger)
        let start = profile.calendar.instant(from, secondsIntoDay: 0)
        let end = profile.calendar.instant(through.adding(days: 1), secondsIntoDay: 0)
        let records = try await DossierRecord.query(on: db).filter(\.$receivingUnit == unit).filter(\.$createdAt >= start)
            .filter(\.$createdAt < end).sort(\.$createdAt).range(0..<5000).all()
        let instances = try await workflow.instances(records.compactMap(\.id), on: db)
        return records.compactMap { record in record.id.flatMap { instances[$0] }.map { summary(record, $0) } }
    }

    // MARK: Helpers

    /// The dossier if the caller may see it: its applicant, staff of a unit handling it, or an admin. Anyone else
    /// is told it does not exist.
    func visibleDossier(_ code: String, for principal: Principal, logger: Logger) async throws -> (DossierRecord, WorkflowInstance) {
        let db = try database.db(logger: logger)
        guard let record = try await DossierRecord.query(on: db).filter(\.$code == code.uppercased()).first(), let id = record.id,
              let instance = try await workflow.instance(id, on: db)
        else { throw Problem.notFound("No dossier \(code).") }
        let definition = try workflow.definition(instance.process)
        let branchUnits = (definition.state(instance.state)?.parallel ?? []).compactMap(\.unit)
        let units = [record.receivingUnit, record.competentUnit, instance.unitCode] + branchUnits
        guard record.applicantID == principal.accountID || principal.has(.admin) || units.contains(where: { Self.isStaff(principal, of: $0) }) else {
            throw Problem.notFound("No dossier \(code).")
        }
        return (record, instance)
    }

    func procedureVersion(of record: DossierRecord, logger: Logger) async throws -> Procedure {
        guard let published = try await catalogue.version(record.procedureCode, record.procedureVersion, on: try database.db(logger: logger)) else {
            throw Problem.internal()
        }
        return published.procedure
    }

    static func isStaff(_ principal: Principal, of unit: String) -> Bool {
        principal.has(.officer, in: unit) || principal.has(.unitLeader, in: unit)
    }

    /// What a list line needs from the dossier row.
    struct QueueLine {
        var code: String
        var procedureName: String
        var applicantName: String
        var createdAt: Date
    }

    func summary(_ record: DossierRecord, _ instance: WorkflowInstance, at moment: Date = Date()) -> DossierSummary {
        summary(QueueLine(code: record.code, procedureName: record.procedureName, applicantName: record.applicantName, createdAt: record.createdAt),
                instance, at: moment)
    }

    func summary(_ record: QueueLine, _ instance: WorkflowInstance, at moment: Date = Date()) -> DossierSummary {
        let definition = workflow.library[instance.process]
        let due = instance.effectiveDue
        return DossierSummary(
            code: record.code, procedure: record.procedureName, applicantName: record.applicantName, unit: instance.unitCode, state: instance.state,
            stateName: definition?.state(instance.state)?.name ?? instance.state, nationalStatus: definition?.state(instance.state)?.nationalStatus,
            officer: instance.officerName, filedAt: record.createdAt, dueAt: due ?? instance.clock?.due,
            overdue: due.map { $0 < moment } ?? false, waitingForApplicant: definition.map { instance.holder(in: $0) == .applicant } ?? false)
    }

    static func project(_ instance: WorkflowInstance, definition: ProcessDefinition, onto record: DossierRecord) {
        record.state = instance.state
        record.nationalStatus = definition.state(instance.state)?.nationalStatus
        record.receivedAt = instance.clock?.startedAt == nil ? nil : (record.receivedAt ?? instance.updatedAt)
        record.promisedAt = instance.clock?.due
        record.finishedAt = instance.finishedAt
        record.onTime = instance.onTime
        record.updatedAt = instance.updatedAt
    }

    static func store(_ files: [(NewAttachment, String, String)], dossier: UUID, by accountID: String, at moment: Date, on db: any Database) async throws {
        for (attachment, mediaType, digest) in files {
            let record = DossierAttachmentRecord()
            record.dossierID = dossier
            record.document = attachment.document
            record.fileName = attachment.fileName
            record.mediaType = mediaType
            record.size = attachment.content.count
            record.sha256 = digest
            record.content = attachment.content
            record.uploadedBy = accountID
            record.uploadedAt = moment
            try await record.create(on: db)
        }
    }

    static func info(_ record: DossierAttachmentRecord) -> AttachmentInfo? {
        record.id.map { AttachmentInfo(id: $0, document: record.document, fileName: record.fileName, mediaType: record.mediaType, size: record.size,
                                       sha256: record.sha256, uploadedAt: record.uploadedAt) }
    }

    package static func checkApplicant(_ applicant: Applicant) -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        let today = CivilDate(year: 2000, month: 1, day: 1) ?? CivilDate(dayNumber: 0)
        let checks: [(String, FormField.Kind, String?)] = [("idNumber", .idNumber, applicant.idNumber), ("phone", .phone, applicant.phone),
                                                           ("email", .email, applicant.email)]
        for (name, kind, value) in checks {
            let field = FormField(name: name, label: name, type: kind, required: false, maxLength: 254)
            if let message = field.check(value, today: today) { errors.append(.init(field: "applicant.\(name)", message: message)) }
        }
        if applicant.name.count > 100 { errors.append(.init(field: "applicant.name", message: "at most 100 characters")) }
        if (applicant.address ?? "").count > 250 { errors.append(.init(field: "applicant.address", message: "at most 250 characters")) }
        return errors
    }

    static func isUnreasonable(_ rule: DeadlineRule) -> Bool {
        switch rule {
        case .workingHours(let hours): return hours < 1 || hours > 240
        case .workingDays(let days), .calendarDays(let days): return days < 1 || days > 30
        }
    }

    /// Sorted keys as before (older rows also escape '/', which reads the same); strings only, so no dates to agree on.
    static func encode(_ form: [String: String]) throws -> String {
        try JSONColumn.encode(form)
    }

    /// A damaged form is logged (table, column, dossier id) and fails the read: never shown as an empty form.
    static func decodeForm(_ text: String, row: String, logger: Logger?) throws -> [String: String] {
        try JSONColumn.decode([String: String].self, from: text, table: DossierRecord.schema, column: "form_data", row: row, logger: logger)
    }
}

extension WorkflowActor {
    init(_ principal: Principal, isApplicant: Bool) {
        self.init(id: principal.accountID, name: principal.displayName, grants: principal.grants, isApplicant: isApplicant)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        results.reserveCapacity(count)
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
