import FluentKit
import Foundation
import Platform
import Workflow

/// A report checked and placed, ready to be written: under which code, by whom, and whether it opens a case of its
/// own or joins one nearby.
struct ReportFiling: Sendable {
    var checked: ReportValidation.Checked
    var reporter: FieldReportService.Reporter
    var anonymous: Bool
    var dedupeKey: String?
    var digest: String
    /// The recent open case of the same category nearby, which the report joins instead of opening its own.
    var cluster: FieldReportService.CaseHead?
    /// The unit the category and position point to.
    var routedUnit: String
    var code: String
    var id: UUID
    var moment: Date
}

extension FieldReportService {
    /// Writes a new report, in one transaction: the report row with its case (joined or opened), its photos, the event.
    func recordFiling(_ filing: ReportFiling, on db: any Database) async throws {
        let record = try newRecord(for: filing)
        if let cluster = filing.cluster {
            try await join(record, to: cluster, filing: filing, on: db)
        } else {
            try await openCase(for: record, filing: filing, on: db)
        }
        for (position, photo) in filing.checked.photos.enumerated() {
            _ = try await Self.storePhoto(photo, report: filing.id, purpose: "report", position: position, at: filing.moment, on: db)
        }
        try await EventLog.append(
            try DomainEvent(type: "field-report.filed", actorID: filing.reporter.accountID, actorName: filing.reporter.name ?? "reporter",
                            unitCode: filing.cluster?.unitCode ?? filing.routedUnit, subject: "\(Self.subjectKind):\(filing.code)",
                            payload: ["category": filing.checked.category.code, "channel": filing.reporter.channel.rawValue,
                                      "routedTo": filing.routedUnit, "case": filing.cluster?.code ?? filing.code],
                            occurredAt: filing.moment),
            on: db)
    }

    /// The report row as the reporter sent it; where it stands in the process is filled in by `join` or `openCase`.
    private func newRecord(for filing: ReportFiling) throws -> FieldReportRecord {
        let checked = filing.checked
        let record = FieldReportRecord()
        record.id = filing.id
        record.code = filing.code
        record.category = checked.category.code
        record.description = checked.description
        record.latitude = checked.point?.latitude
        record.longitude = checked.point?.longitude
        record.cell = checked.point.map(GridCell.of)
        record.address = checked.address
        record.isPublic = checked.category.isPublic
        record.channel = filing.reporter.channel.rawValue
        record.reporterID = filing.reporter.accountID
        record.reporterName = filing.reporter.name
        record.reporterContact = filing.reporter.contact
        record.anonymous = filing.anonymous
        record.clientID = filing.reporter.clientID
        record.dedupeKey = filing.dedupeKey
        record.requestDigest = filing.digest
        record.supports = 0
        record.attributes = try Self.encode(checked.answers)
        record.requestedAt = filing.moment
        record.updatedAt = filing.moment
        return record
    }

    /// The report follows the case it joined: its state, unit and deadline are the case's.
    private func join(_ record: FieldReportRecord, to cluster: CaseHead, filing: ReportFiling, on db: any Database) async throws {
        record.caseID = cluster.id
        record.state = cluster.state
        record.isOpen = cluster.isOpen
        record.unitCode = cluster.unitCode
        record.dueAt = cluster.dueAt
        try await record.insert(on: db)
        try await Self.addUpdate(to: filing.id, state: cluster.state, author: "HueS",
                                 description: "Đã gộp vào phản ánh \(cluster.code) cùng vị trí, cùng loại; kết quả xử lý theo phản ánh đó.",
                                 at: filing.moment, on: db)
    }

    /// A case of its own starts with the operations centre, which verifies it before the routed unit takes it on.
    private func openCase(for record: FieldReportRecord, filing: ReportFiling, on db: any Database) async throws {
        let actor = WorkflowActor(id: filing.reporter.accountID, name: filing.reporter.name ?? "Người phản ánh", grants: [], isApplicant: true)
        let instance = try await workflow.start(
            process: settings.process, subject: "\(Self.subjectKind):\(filing.code)", unit: settings.intakeUnit, competentUnit: filing.routedUnit,
            deadline: filing.checked.category.deadline, actor: actor, at: filing.moment, on: db)
        record.instanceID = instance.id
        record.state = instance.state
        record.isOpen = true
        record.unitCode = settings.intakeUnit
        record.dueAt = instance.effectiveDue
        try await record.insert(on: db)
        try await Self.addUpdate(to: filing.id, state: instance.state, author: "HueS", description: "Đã tiếp nhận phản ánh, đang chờ xác minh.",
                                 at: filing.moment, on: db)
    }
}
