import Foundation
import Logging
import Platform

extension PublicServicesModule {
    public var personalData: [PersonalDataField] {
        [PersonalDataField(table: "dossiers", columns: ["applicant_name", "applicant_id_number", "applicant_phone", "applicant_email", "applicant_address"],
                           category: "name, identity number and contact", purpose: "handling the procedure the person applied for",
                           basis: .publicDuty, retention: "as the archives law requires for the procedure's records; kept even when erasure is asked for"),
         PersonalDataField(table: "dossiers", columns: ["form_data"], kind: .sensitive, category: "the procedure's form (may hold health, family or financial data)",
                           purpose: "handling the procedure", basis: .publicDuty, retention: "as the archives law requires for the procedure's records"),
         PersonalDataField(table: "dossier_attachments", columns: ["content", "file_name"], kind: .sensitive, category: "documents",
                           purpose: "the papers the procedure requires", basis: .publicDuty, retention: "as the archives law requires for the procedure's records"),
         PersonalDataField(table: "dossiers", columns: ["rating", "rating_comment"], category: "opinion", purpose: "measuring satisfaction (Decision 766)",
                           basis: .consent, retention: "with the dossier")]
    }

    public var personalDataSource: (any PersonalDataSource)? { PublicServicesPersonalData(dossiers: dossiers) }
}

struct PublicServicesPersonalData: PersonalDataSource {
    let dossiers: DossierService

    func personalData(of principal: Principal, logger: Logger) async throws -> any Encodable & Sendable {
        try await dossiers.mine(principal, paging: Paging(limit: 10_000), logger: logger)
    }
}

extension PublicServicesPersonalData {
    func erase(accountID: String, logger: Logger) async throws -> ErasureReport {
        ErasureReport(kept: ["your dossiers and their documents: the archives law requires the city to keep the records of every procedure"])
    }
}
