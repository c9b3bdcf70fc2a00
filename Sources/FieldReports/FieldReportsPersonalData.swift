import Foundation
import Logging
import Platform
import SQLKit

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
                           basis: .consent, retention: "with the report"),
         PersonalDataField(table: "field_report_supports", columns: ["account_id", "at"], kind: .sensitive, category: "location (who confirmed a report where)",
                           purpose: "counting who else sees the same problem", basis: .consent, retention: "with the report; erased on request")]
    }

    public var personalDataSource: (any PersonalDataSource)? { FieldReportsPersonalData(reports: reports) }
}

struct FieldReportsPersonalData: PersonalDataSource {
    let reports: FieldReportService

    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable {
        try await PersonalDataExport.all { paging in
            try await reports.list(.init(reporterID: principal.accountID, publicOnly: false, paging: paging), logger: logger)
        }
    }
}

extension FieldReportsPersonalData {
    /// The reports stay (the city handled them, and others' "me too" and results hang on them) without who sent them.
    func erase(accountID: String, logger: Logger) async throws -> ErasureReport {
        try await reports.database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let count = try await sql.raw("""
                UPDATE field_reports SET reporter_id = NULL, reporter_name = NULL, reporter_contact = NULL, rating_comment = NULL, dedupe_key = NULL,
                    anonymous = \(bind: true)
                WHERE reporter_id = \(bind: accountID) RETURNING id
                """).all().count
            // "Me too" marks say where the person was; the counts on the reports stay.
            let supports = try await sql.raw("DELETE FROM field_report_supports WHERE account_id = \(bind: accountID) RETURNING id").all().count
            try await EventLog.append(try DomainEvent(type: "field-reports.personal-data.erased", actorName: "the account holder",
                                                      subject: "account:\(accountID)", payload: ["reports": count, "supports": supports]), on: db)
            return ErasureReport(erased: [ErasureLine("erasure_field_reports", ["count": "\(count)"]), ErasureLine("erasure_supports", ["count": "\(supports)"])],
                                 kept: [ErasureLine("erasure_kept_field_reports")])
        }
    }
}
