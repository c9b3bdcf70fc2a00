import FluentKit
import Foundation
import Platform
import SQLKit

// Every filing writes a dossier row and answers with the dossier as it now stands, and every officer's action reads it
// again: those go through plain SQL with column lists known once, because Fluent reflects over all 27 properties of
// the model on each create and each read. Records read here are for reading; a Fluent `update` on one would be taken
// for a create, so a change writes with `saveWorkflowState` or re-reads with `DossierRecord.find`.

extension DossierRecord {
    static let columnList = """
        id, code, procedure_code, procedure_version, procedure_name, applicant_id, applicant_name, applicant_id_number, applicant_phone, \
        applicant_email, applicant_address, channel, receiving_unit, competent_unit, form_data, state, national_status, received_at, promised_at, \
        finished_at, returned_at, on_time, rating, rating_comment, filed_by, created_at, updated_at
        """

    convenience init(row: some SQLRow) throws {
        self.init()
        id = try row.decode(column: "id", as: UUID.self)
        code = try row.decode(column: "code", as: String.self)
        procedureCode = try row.decode(column: "procedure_code", as: String.self)
        procedureVersion = try row.decode(column: "procedure_version", as: Int.self)
        procedureName = try row.decode(column: "procedure_name", as: String.self)
        applicantID = try row.decode(column: "applicant_id", as: String?.self)
        applicantName = try row.decode(column: "applicant_name", as: String.self)
        applicantIDNumber = try row.decode(column: "applicant_id_number", as: String?.self)
        applicantPhone = try row.decode(column: "applicant_phone", as: String?.self)
        applicantEmail = try row.decode(column: "applicant_email", as: String?.self)
        applicantAddress = try row.decode(column: "applicant_address", as: String?.self)
        channel = try row.decode(column: "channel", as: Int.self)
        receivingUnit = try row.decode(column: "receiving_unit", as: String.self)
        competentUnit = try row.decode(column: "competent_unit", as: String.self)
        formData = try row.decode(column: "form_data", as: String.self)
        state = try row.decode(column: "state", as: String.self)
        nationalStatus = try row.decode(column: "national_status", as: Int?.self)
        receivedAt = try row.decode(column: "received_at", as: Date?.self)
        promisedAt = try row.decode(column: "promised_at", as: Date?.self)
        finishedAt = try row.decode(column: "finished_at", as: Date?.self)
        returnedAt = try row.decode(column: "returned_at", as: Date?.self)
        onTime = try row.decode(column: "on_time", as: Bool?.self)
        rating = try row.decode(column: "rating", as: Int?.self)
        ratingComment = try row.decode(column: "rating_comment", as: String?.self)
        filedBy = try row.decode(column: "filed_by", as: String?.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
    }

    static func read(_ id: UUID, on sql: any SQLDatabase) async throws -> DossierRecord? {
        try await sql.raw("SELECT \(unsafeRaw: columnList) FROM dossiers WHERE id = \(bind: id)").first().map { try DossierRecord(row: $0) }
    }

    func insert(on sql: any SQLDatabase) async throws {
        guard let id else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO dossiers (\(unsafeRaw: Self.columnList)) VALUES (\(bind: id), \(bind: code), \(bind: procedureCode), \(bind: procedureVersion), \
            \(bind: procedureName), \(bind: applicantID), \(bind: applicantName), \(bind: applicantIDNumber), \(bind: applicantPhone), \
            \(bind: applicantEmail), \(bind: applicantAddress), \(bind: channel), \(bind: receivingUnit), \(bind: competentUnit), \(bind: formData), \
            \(bind: state), \(bind: nationalStatus), \(bind: receivedAt), \(bind: promisedAt), \(bind: finishedAt), \(bind: returnedAt), \(bind: onTime), \
            \(bind: rating), \(bind: ratingComment), \(bind: filedBy), \(bind: createdAt), \(bind: updatedAt))
            """).run()
    }

    /// Writes back what `copyWorkflowState` (and the return date) set: the columns an action changes.
    func saveWorkflowState(on sql: any SQLDatabase) async throws {
        guard let id else { throw Problem.internal() }
        try await sql.raw("""
            UPDATE dossiers SET state = \(bind: state), national_status = \(bind: nationalStatus), received_at = \(bind: receivedAt), \
            promised_at = \(bind: promisedAt), finished_at = \(bind: finishedAt), returned_at = \(bind: returnedAt), on_time = \(bind: onTime), \
            updated_at = \(bind: updatedAt) WHERE id = \(bind: id)
            """).run()
    }
}

extension DossierAttachmentRecord {
    /// A dossier's files without their bytes, oldest first: what a dossier's page lists.
    static func listing(of dossierID: UUID, on sql: any SQLDatabase) async throws -> [AttachmentInfo] {
        try await sql.raw("""
            SELECT id, document, file_name, media_type, size, sha256, uploaded_at FROM dossier_attachments WHERE dossier_id = \(bind: dossierID) \
            ORDER BY uploaded_at
            """).all().map { row in
            AttachmentInfo(id: try row.decode(column: "id", as: UUID.self), document: try row.decode(column: "document", as: String.self),
                           fileName: try row.decode(column: "file_name", as: String.self), mediaType: try row.decode(column: "media_type", as: String.self),
                           size: try row.decode(column: "size", as: Int.self), sha256: try row.decode(column: "sha256", as: String.self),
                           uploadedAt: try row.decode(column: "uploaded_at", as: Date.self))
        }
    }
}
