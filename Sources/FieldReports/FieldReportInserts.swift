import FluentKit
import Foundation
import Platform
import SQLKit

// Filing is the platform's hottest write (a typhoon's flood of reports): its rows are written with SQLKit and a
// column list known once, because Fluent's `create` reflects over every property of the model on every call.

extension FieldReportRecord {
    static let columns = ["id", "code", "category", "description", "latitude", "longitude", "cell", "address", "unit_code", "state", "is_open",
                          "is_public", "channel", "reporter_id", "reporter_name", "reporter_contact", "anonymous", "client_id", "dedupe_key",
                          "request_digest", "case_id", "instance_id", "supports", "rating", "rating_comment", "attributes", "rejection",
                          "result_note", "accepted_at", "resolved_at", "handling_seconds", "due_at", "on_time", "requested_at", "updated_at"]

    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, let id else { throw Problem.internal() }
        let values: [any SQLExpression] = [
            SQLBind(id), SQLBind(code), SQLBind(category), SQLBind(description), SQLBind(latitude), SQLBind(longitude), SQLBind(cell), SQLBind(address),
            SQLBind(unitCode), SQLBind(state), SQLBind(isOpen), SQLBind(isPublic), SQLBind(channel), SQLBind(reporterID), SQLBind(reporterName),
            SQLBind(reporterContact), SQLBind(anonymous), SQLBind(clientID), SQLBind(dedupeKey), SQLBind(requestDigest), SQLBind(caseID),
            SQLBind(instanceID), SQLBind(supports), SQLBind(rating), SQLBind(ratingComment), SQLBind(attributes), SQLBind(rejection),
            SQLBind(resultNote), SQLBind(acceptedAt), SQLBind(resolvedAt), SQLBind(handlingSeconds), SQLBind(dueAt), SQLBind(onTime),
            SQLBind(requestedAt), SQLBind(updatedAt),
        ]
        try await sql.insert(into: Self.schema).columns(Self.columns).values(values).run()
    }
}

extension FieldReportUpdateRecord {
    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.insert(into: Self.schema).columns("report_id", "state", "description", "author", "photo_id", "at")
            .values([SQLBind(reportID), SQLBind(state), SQLBind(description), SQLBind(author), SQLBind(photoID), SQLBind(at)])
            .run()
    }
}
