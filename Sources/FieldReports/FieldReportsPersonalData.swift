import Foundation
import Logging
import Platform

extension FieldReportsModule {
    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "field_reports", columns: ["reporter_name", "reporter_contact"], category: "name and contact",
                           purpose: "telling the reporter what became of their report", basis: .publicDuty,
                           retention: "while the report is open and the years the city keeps handled reports; never on public pages or open exports"),
         PersonalDataField(table: "field_reports", columns: ["latitude", "longitude", "address"], kind: .sensitive, category: "location",
                           purpose: "sending the right unit to the place reported", basis: .publicDuty, retention: "with the report"),
         PersonalDataField(table: "field_report_photos", columns: ["content"], kind: .sensitive, category: "photo",
                           purpose: "showing the problem; the photo's own location and camera data are removed when it arrives", basis: .publicDuty,
                           retention: "with the report"),
         PersonalDataField(table: "field_reports", columns: ["rating", "rating_comment"], category: "opinion", purpose: "measuring satisfaction",
                           basis: .consent, retention: "with the report")]
    }

    public var personalDataSource: (any PersonalDataSource)? { FieldReportsPersonalData(reports: reports) }
}

struct FieldReportsPersonalData: PersonalDataSource {
    let reports: FieldReportService

    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable {
        try await reports.list(.init(reporterID: principal.accountID, publicOnly: false, paging: Paging(limit: 10_000)), logger: logger)
    }
}
