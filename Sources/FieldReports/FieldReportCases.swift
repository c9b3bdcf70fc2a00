import FluentKit
import Foundation
import Logging
import Platform

/// Field reports as other modules link to them (the SOC links a report of a dark camera to the incident on its
/// host). Only staff are shown the incidents linked to a report: a citizen's report page is not the SOC's.
struct FieldReportCases: CaseDirectory {
    let reports: FieldReportService

    var kind: String { "field-report" }

    func linkedCase(_ reference: String, logger: Logger) async throws -> LinkedCase? {
        guard (1...40).contains(reference.utf8.count),
              let record = try await FieldReportRecord.query(on: try reports.database.db(logger: logger)).filter(\.$code == reference).first()
        else { return nil }
        let category = reports.settings.category(record.category)?.name ?? record.category
        return LinkedCase(kind: kind, reference: record.code, title: "\(category) · \(record.code)", unit: record.unitCode, state: record.state,
                          path: "/reports/\(record.code)")
    }

    /// The incidents linked to `view`'s report when `viewer` is the operations centre or the handling unit's staff.
    func incidents(for view: FieldReportView, viewer: ReportViewer, links: (any SecurityIncidentLinks)?, logger: Logger) async throws -> [LinkedIncident]? {
        let operations = viewer.isOperator(of: reports.settings.intakeUnit)
        guard let links, operations || viewer.isStaff(of: view.unit) else { return nil }
        return try await links.incidents(linkedTo: kind, reference: view.code, units: operations ? nil : viewer.grants.staffUnits, logger: logger)
    }
}
