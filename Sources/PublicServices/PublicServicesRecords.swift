import FluentKit
import Foundation
import SQLKit

/// Every published version of a procedure; a dossier points at the one it was filed under.
final class ProcedureVersionRecord: Model, @unchecked Sendable {
    static let schema = "procedure_versions"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "version") var version: Int
    @Field(key: "is_current") var isCurrent: Bool
    @Field(key: "name") var name: String
    @Field(key: "data") var data: String
    @Field(key: "published_at") var publishedAt: Date

    init() {}
}

final class DossierRecord: Model, @unchecked Sendable {
    static let schema = "dossiers"

    /// The same id as the dossier's workflow case.
    @ID(custom: "id", generatedBy: .user) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "procedure_code") var procedureCode: String
    @Field(key: "procedure_version") var procedureVersion: Int
    @Field(key: "procedure_name") var procedureName: String
    @OptionalField(key: "applicant_id") var applicantID: String?
    @Field(key: "applicant_name") var applicantName: String
    @OptionalField(key: "applicant_id_number") var applicantIDNumber: String?
    @OptionalField(key: "applicant_phone") var applicantPhone: String?
    @OptionalField(key: "applicant_email") var applicantEmail: String?
    @OptionalField(key: "applicant_address") var applicantAddress: String?
    @Field(key: "channel") var channel: Int
    @Field(key: "receiving_unit") var receivingUnit: String
    @Field(key: "competent_unit") var competentUnit: String
    @Field(key: "form_data") var formData: String
    @Field(key: "state") var state: String
    @OptionalField(key: "national_status") var nationalStatus: Int?
    @OptionalField(key: "received_at") var receivedAt: Date?
    @OptionalField(key: "promised_at") var promisedAt: Date?
    @OptionalField(key: "finished_at") var finishedAt: Date?
    @OptionalField(key: "returned_at") var returnedAt: Date?
    @OptionalField(key: "on_time") var onTime: Bool?
    @OptionalField(key: "rating") var rating: Int?
    @OptionalField(key: "rating_comment") var ratingComment: String?
    @OptionalField(key: "filed_by") var filedBy: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

final class DossierAttachmentRecord: Model, @unchecked Sendable {
    static let schema = "dossier_attachments"

    @ID(key: .id) var id: UUID?
    @Field(key: "dossier_id") var dossierID: UUID
    /// The procedure's document code (`giay-chung-sinh`), `supplement` or `result`.
    @Field(key: "document") var document: String
    @Field(key: "file_name") var fileName: String
    @Field(key: "media_type") var mediaType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "content") var content: Data
    @OptionalField(key: "uploaded_by") var uploadedBy: String?
    @Field(key: "uploaded_at") var uploadedAt: Date

    init() {}
}

struct CreatePublicServicesTables: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ProcedureVersionRecord.schema)
            .id()
            .field("code", .string, .required)
            .field("version", .int, .required)
            .field("is_current", .bool, .required)
            .field("name", .string, .required)
            .field("data", .string, .required)
            .field("published_at", .datetime, .required)
            .unique(on: "code", "version")
            .create()
        try await database.schema(DossierRecord.schema)
            .field("id", .uuid, .identifier(auto: false))
            .field("code", .string, .required)
            .field("procedure_code", .string, .required)
            .field("procedure_version", .int, .required)
            .field("procedure_name", .string, .required)
            .field("applicant_id", .string)
            .field("applicant_name", .string, .required)
            .field("applicant_id_number", .string)
            .field("applicant_phone", .string)
            .field("applicant_email", .string)
            .field("applicant_address", .string)
            .field("channel", .int, .required)
            .field("receiving_unit", .string, .required)
            .field("competent_unit", .string, .required)
            .field("form_data", .string, .required)
            .field("state", .string, .required)
            .field("national_status", .int)
            .field("received_at", .datetime)
            .field("promised_at", .datetime)
            .field("finished_at", .datetime)
            .field("returned_at", .datetime)
            .field("on_time", .bool)
            .field("rating", .int)
            .field("rating_comment", .string)
            .field("filed_by", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "code")
            .create()
        try await database.schema(DossierAttachmentRecord.schema)
            .id()
            .field("dossier_id", .uuid, .required, .references(DossierRecord.schema, "id"))
            .field("document", .string, .required)
            .field("file_name", .string, .required)
            .field("media_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("content", .data, .required)
            .field("uploaded_by", .string)
            .field("uploaded_at", .datetime, .required)
            .create()
        try await database.schema("dossier_sequences")
            .field("unit_day", .string, .identifier(auto: false))
            .field("last", .int, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX dossiers_applicant ON dossiers (applicant_id, created_at)").run()
        try await sql.raw("CREATE INDEX dossiers_register ON dossiers (receiving_unit, created_at)").run()
        try await sql.raw("CREATE INDEX dossier_attachments_dossier ON dossier_attachments (dossier_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("dossier_sequences").delete()
        try await database.schema(DossierAttachmentRecord.schema).delete()
        try await database.schema(DossierRecord.schema).delete()
        try await database.schema(ProcedureVersionRecord.schema).delete()
    }
}
