import FluentKit
import Foundation
import Platform
import SQLKit

// Filing is the platform's hottest write (a typhoon's flood of reports): its rows are written in plain SQL with a
// column list known once, because Fluent's `create` reflects over every property of the model on every call.

extension FieldReportRecord {
    static let columns = ["id", "code", "category", "description", "latitude", "longitude", "cell", "address", "unit_code", "state", "is_open",
                          "is_public", "channel", "reporter_id", "reporter_name", "reporter_contact", "anonymous", "client_id", "dedupe_key",
                          "request_digest", "case_id", "instance_id", "supports", "rating", "rating_comment", "attributes", "rejection",
                          "result_note", "accepted_at", "resolved_at", "handling_seconds", "due_at", "on_time", "requested_at", "updated_at"]

    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, let id else { throw Problem.internal() }
        // Plain SQL: the builder would escape the same 35 identifiers again on every filing.
        try await sql.raw("""
            INSERT INTO field_reports (\(unsafeRaw: Self.columns.joined(separator: ", "))) VALUES (\(bind: id), \(bind: code), \(bind: category), \
            \(bind: description), \(bind: latitude), \(bind: longitude), \(bind: cell), \(bind: address), \(bind: unitCode), \(bind: state), \
            \(bind: isOpen), \(bind: isPublic), \(bind: channel), \(bind: reporterID), \(bind: reporterName), \(bind: reporterContact), \
            \(bind: anonymous), \(bind: clientID), \(bind: dedupeKey), \(bind: requestDigest), \(bind: caseID), \(bind: instanceID), \(bind: supports), \
            \(bind: rating), \(bind: ratingComment), \(bind: attributes), \(bind: rejection), \(bind: resultNote), \(bind: acceptedAt), \
            \(bind: resolvedAt), \(bind: handlingSeconds), \(bind: dueAt), \(bind: onTime), \(bind: requestedAt), \(bind: updatedAt))
            """).run()
    }
}

extension FieldReportUpdateRecord {
    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO field_report_updates (report_id, state, description, author, photo_id, at) VALUES (\(bind: reportID), \(bind: state), \
            \(bind: description), \(bind: author), \(bind: photoID), \(bind: at))
            """).run()
    }
}
