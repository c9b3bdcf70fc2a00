import Foundation
import Logging
import Platform
import SQLKit

extension PublicServicesModule {
    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "dossiers", columns: ["applicant_name", "applicant_id_number", "applicant_phone", "applicant_email", "applicant_address"],
                           category: "name, identity number and contact", purpose: "handling the procedure the person applied for",
                           basis: .publicDuty, retention: "as the archives law requires for the procedure's records; kept even when erasure is asked for"),
         PersonalDataField(table: "dossiers", columns: ["form_data"], kind: .sensitive, category: "the procedure's form (may hold health, family or financial data)",
                           purpose: "handling the procedure", basis: .publicDuty, retention: "as the archives law requires for the procedure's records"),
         PersonalDataField(table: "dossier_attachments", columns: ["content", "file_name"], kind: .sensitive, category: "documents",
                           purpose: "the papers the procedure requires", basis: .publicDuty, retention: "as the archives law requires for the procedure's records"),
         PersonalDataField(table: "dossiers", columns: ["rating_comment"], category: "opinion", purpose: "what the person said about the service",
                           basis: .consent, retention: "with the dossier; erased on request"),
         PersonalDataField(table: "dossiers", columns: ["rating"], category: "opinion", purpose: "the satisfaction figures of Decision 766",
                           basis: .publicDuty, retention: "with the dossier")]
    }

    public var personalDataSource: (any PersonalDataSource)? { PublicServicesPersonalData(dossiers: dossiers) }
}

struct PublicServicesPersonalData: PersonalDataSource {
    let dossiers: DossierService

    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable {
        try await PersonalDataExport.all { paging in try await dossiers.mine(principal, paging: paging, logger: logger) }
    }
}

extension PublicServicesPersonalData {
    func erase(accountID: String, logger: Logger) async throws -> ErasureReport {
        try await dossiers.database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let count = try await sql.raw("""
                UPDATE dossiers SET rating_comment = NULL WHERE applicant_id = \(bind: accountID) AND rating_comment IS NOT NULL RETURNING id
                """).all().count
            try await EventLog.append(try DomainEvent(type: "public-services.personal-data.erased", actorName: "the account holder",
                                                      subject: "account:\(accountID)", payload: ["comments": count]), on: db)
            return ErasureReport(erased: [ErasureLine("erasure_dossier_comments", ["count": "\(count)"])], kept: [ErasureLine("erasure_kept_dossiers")])
        }
    }
}
