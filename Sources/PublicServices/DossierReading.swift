import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

extension DossierService {
    // MARK: Reading

    public func view(code: String, for principal: Principal, logger: Logger) async throws -> DossierView {
        let (record, instance) = try await visibleDossier(code, for: principal, logger: logger)
        guard let id = record.id else { throw Problem.internal() }
        if record.applicantID != principal.accountID { try await logRead(record, unit: instance.unitCode, by: principal, logger: logger) }
        return try await view(id: id, for: principal, logger: logger)
    }

    /// Staff opening a dossier see the applicant's personal data: who, which dossier and when goes into the event log
    /// (Law 91/2025: a breach answer must be able to say whose data a person saw), once per officer, dossier and day.
    private func logRead(_ record: DossierRecord, unit: String, by principal: Principal, logger: Logger) async throws {
        try await PersonalDataReads.record(type: "public-services.dossier.personal-data-read", reader: principal.accountID,
                                           readerName: principal.username, unitCode: unit, subject: "dossier:\(record.code)", on: database,
                                           timeZone: workflow.engine.calendar.timeZone, logger: logger)
    }

    func view(id: UUID, for principal: Principal, logger: Logger) async throws -> DossierView {
        let db = try database.db(logger: logger)
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        guard let record = try await DossierRecord.read(id, on: sql), let instance = try await workflow.instance(id, on: db) else {
            throw Problem.notFound()
        }
        let definition = try workflow.definition(instance.process)
        let procedure = try await catalogue.version(record.procedureCode, record.procedureVersion, on: db)?.procedure
        let history = try await workflow.history(id, on: db)
        let files = try await DossierAttachmentRecord.listing(of: id, on: sql)
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
            returnedAt: record.returnedAt, onTime: instance.onTime, late: instance.isLate(at: Date(), rule: workflow.library[instance.process]?.onTime), supplementRequests: instance.supplementRequests,
            openParallelSteps: instance.openBranches, form: try Self.decodeForm(record.formData, row: id.uuidString, logger: logger), fee: procedure?.fee ?? 0,
            attachments: files,
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
        let records = try await DossierRecord.query(on: db).filter(\.$applicantID == principal.accountID).sort(\.$createdAt, .descending).sort(\.$id)
            .range(paging.range).all()
        let instances = try await workflow.instances(records.compactMap(\.id), on: db)
        return records.compactMap { record in record.id.flatMap { instances[$0] }.map { summary(record, $0) } }
    }

    /// A unit's or the caller's queue.
    public func queue(unit: String, filter: QueueFilter, mine: Bool, for principal: Principal, paging: Paging = Paging(limit: 50),
                      at moment: Date = Date(), logger: Logger) async throws -> DossierQueue {
        guard principal.isStaff(of: unit) else { throw Problem.forbidden("Only the staff of '\(unit)' see its queue.") }
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
        let dossiers = instances.compactMap { instance in byID[instance.id].map { summary($0, instance, at: moment) } }
        try await logListRead("dossier-queue:\(unit)", unit: unit, codes: dossiers.map(\.code), by: principal, logger: logger)
        return DossierQueue(unit: unit, filter: filter, dossiers: dossiers)
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
        let (record, instance) = try await visibleDossier(code, for: principal, logger: logger)
        guard let file = try await DossierAttachmentRecord.find(attachmentID, on: try database.db(logger: logger)), file.dossierID == record.id,
              let info = Self.info(file)
        else { throw Problem.notFound("No such file in this dossier.") }
        // An applicant's papers (identity card, deeds) are their personal data as much as the form is.
        if record.applicantID != principal.accountID {
            try await PersonalDataReads.record(type: "public-services.dossier.personal-data-read", reader: principal.accountID,
                                               readerName: principal.username, unitCode: instance.unitCode,
                                               subject: "dossier:\(record.code)/file:\(attachmentID.uuidString.lowercased())", on: database,
                                               timeZone: workflow.engine.calendar.timeZone, logger: logger)
        }
        return (info, file.content)
    }

    /// Dossiers received by a unit in a period: form 07, the dossier register.
    public func register(unit: String, from: CivilDate, through: CivilDate, for principal: Principal, logger: Logger) async throws -> [DossierSummary] {
        guard principal.isStaff(of: unit) else { throw Problem.forbidden() }
        let db = try database.db(logger: logger)
        let start = profile.calendar.instant(from, secondsIntoDay: 0)
        let end = profile.calendar.instant(through.adding(days: 1), secondsIntoDay: 0)
        let records = try await DossierRecord.query(on: db).filter(\.$receivingUnit == unit).filter(\.$createdAt >= start)
            .filter(\.$createdAt < end).sort(\.$createdAt).range(0..<5000).all()
        let instances = try await workflow.instances(records.compactMap(\.id), on: db)
        let dossiers = records.compactMap { record in record.id.flatMap { instances[$0] }.map { summary(record, $0) } }
        try await logListRead("dossier-register:\(unit)", unit: unit, codes: dossiers.map(\.code), by: principal, logger: logger)
        return dossiers
    }

    /// Queues and registers show applicants' names: one entry per view naming the dossiers not yet seen today.
    private func logListRead(_ listing: String, unit: String, codes: [String], by principal: Principal, logger: Logger) async throws {
        guard !codes.isEmpty else { return }
        try await PersonalDataReads.record(type: "public-services.dossier.personal-data-read", reader: principal.accountID,
                                           readerName: principal.username, unitCode: unit, listing: listing, subjects: codes.map { "dossier:\($0)" },
                                           on: database, timeZone: workflow.engine.calendar.timeZone, logger: logger)
    }
}
