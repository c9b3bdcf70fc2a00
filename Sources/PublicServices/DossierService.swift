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
        guard record.applicantID == principal.accountID || principal.has(.admin) || units.contains(where: principal.isStaff(of:)) else {
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

    static func copyWorkflowState(_ instance: WorkflowInstance, definition: ProcessDefinition, onto record: DossierRecord) {
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
