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

/// Everything a filing writes, worked out before the transaction (rows, deadline, JSON, events), so SQLite's single
/// writer spends its turn inserting, not encoding.
struct PreparedFiling: Sendable {
    var filing: ReportFiling
    var row: FieldReportRow
    /// The case the report opens; nil when it joins one nearby.
    var opening: WorkflowStore.PreparedStart?
    var update: FieldReportUpdateRow
    var filed: DomainEvent
}

extension FieldReportService {
    func prepare(_ filing: ReportFiling) throws -> PreparedFiling {
        var row = try newRow(for: filing)
        var update = FieldReportUpdateRow(reportID: filing.id, state: "", description: "", author: "HueS", at: filing.moment)
        var opening: WorkflowStore.PreparedStart?
        if let cluster = filing.cluster {
            row.caseID = cluster.id
            row.state = cluster.state
            row.isOpen = cluster.isOpen
            row.unitCode = cluster.unitCode
            row.dueAt = cluster.dueAt
            update.state = cluster.state
            update.description = "Đã gộp vào phản ánh \(cluster.code) cùng vị trí, cùng loại; kết quả xử lý theo phản ánh đó."
        } else {
            // A case of its own starts with the operations centre, which verifies it before the routed unit takes it on.
            let actor = WorkflowActor(id: filing.reporter.accountID, name: filing.reporter.name ?? "Người phản ánh", grants: [], isApplicant: true)
            let start = try workflow.prepareStart(
                process: settings.process, subject: "\(Self.subjectKind):\(filing.code)", unit: settings.intakeUnit, competentUnit: filing.routedUnit,
                deadline: filing.checked.category.deadline, actor: actor, at: filing.moment)
            row.instanceID = start.instance.id
            row.state = start.instance.state
            row.isOpen = true
            row.unitCode = settings.intakeUnit
            row.dueAt = start.instance.effectiveDue
            update.state = start.instance.state
            update.description = "Đã tiếp nhận phản ánh, đang chờ xác minh."
            opening = start
        }
        let filed = try DomainEvent(
            type: "field-report.filed", actorID: filing.reporter.accountID, actorName: filing.reporter.name ?? "reporter",
            unitCode: filing.cluster?.unitCode ?? filing.routedUnit, subject: "\(Self.subjectKind):\(filing.code)",
            payload: ["category": filing.checked.category.code, "channel": filing.reporter.channel.rawValue,
                      "routedTo": filing.routedUnit, "case": filing.cluster?.code ?? filing.code],
            occurredAt: filing.moment)
        return PreparedFiling(filing: filing, row: row, opening: opening, update: update, filed: filed)
    }

    /// Writes a new report, in one transaction: its case (opened, or the one it joins), the report row, its first
    /// update, its photos and the event.
    func store(_ prepared: PreparedFiling, on db: any Database) async throws {
        if let opening = prepared.opening { _ = try await workflow.insert(opening, on: db) }
        try await prepared.row.insert(on: db)
        try await prepared.update.insert(on: db)
        let filing = prepared.filing
        for (position, photo) in filing.checked.photos.enumerated() {
            _ = try await Self.storePhoto(photo, report: filing.id, purpose: "report", position: position, at: filing.moment, on: db)
        }
        try await EventLog.append(prepared.filed, on: db)
    }

/// The report row as the reporter sent it; where it stands in the process is filled in by `prepare`.
    private func newRow(for filing: ReportFiling) throws -> FieldReportRow {
        let checked = filing.checked
        return FieldReportRow(
            id: filing.id, code: filing.code, category: checked.category.code, description: checked.description,
            latitude: checked.point?.latitude, longitude: checked.point?.longitude, cell: checked.point.map(GridCell.of), address: checked.address,
            unitCode: "", state: "", isOpen: true, isPublic: checked.category.isPublic, channel: filing.reporter.channel.rawValue,
            reporterID: filing.reporter.accountID, reporterName: filing.reporter.name, reporterContact: filing.reporter.contact,
            anonymous: filing.anonymous, clientID: filing.reporter.clientID, dedupeKey: filing.dedupeKey, requestDigest: filing.digest,
            caseID: nil, instanceID: nil, attributes: try Self.encode(checked.answers), dueAt: nil, requestedAt: filing.moment)
    }
}
