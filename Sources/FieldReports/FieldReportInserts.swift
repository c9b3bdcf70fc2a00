import FluentKit
import Foundation
import Platform
import SQLKit

// Filing is the platform's hottest write (a typhoon's flood of reports): its rows are plain values written in plain
// SQL with a column list known once. A Fluent model allocates an object per property wrapper (35 here) on every
// `init` and reflects over them on `create`; profiles of Open311 POSTs put both among the largest costs.

/// A new report's row as filing writes it; later columns (rating, result, timings) start empty.
struct FieldReportRow: Sendable {
    var id: UUID
    var code: String
    var category: String
    var description: String
    var latitude: Double?
    var longitude: Double?
    var cell: Int64?
    var address: String?
    var unitCode: String
    var state: String
    var isOpen: Bool
    var isPublic: Bool
    var channel: String
    var reporterID: String?
    var reporterName: String?
    var reporterContact: String?
    var anonymous: Bool
    var clientID: UUID?
    var dedupeKey: String?
    var requestDigest: String?
    var caseID: UUID?
    var instanceID: UUID?
    var attributes: String
    var dueAt: Date?
    var requestedAt: Date

    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO field_reports (id, code, category, description, latitude, longitude, cell, address, unit_code, state, is_open, is_public, \
            channel, reporter_id, reporter_name, reporter_contact, anonymous, client_id, dedupe_key, request_digest, case_id, instance_id, supports, \
            attributes, due_at, requested_at, updated_at) VALUES (\(bind: id), \(bind: code), \(bind: category), \(bind: description), \
            \(bind: latitude), \(bind: longitude), \(bind: cell), \(bind: address), \(bind: unitCode), \(bind: state), \(bind: isOpen), \
            \(bind: isPublic), \(bind: channel), \(bind: reporterID), \(bind: reporterName), \(bind: reporterContact), \(bind: anonymous), \
            \(bind: clientID), \(bind: dedupeKey), \(bind: requestDigest), \(bind: caseID), \(bind: instanceID), 0, \(bind: attributes), \
            \(bind: dueAt), \(bind: requestedAt), \(bind: requestedAt))
            """).run()
    }
}

/// A line of a report's public history.
struct FieldReportUpdateRow: Sendable {
    var reportID: UUID
    var state: String
    var description: String
    var author: String
    var photoID: UUID?
    var at: Date

    func insert(on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await sql.raw("""
            INSERT INTO field_report_updates (report_id, state, description, author, photo_id, at) VALUES (\(bind: reportID), \(bind: state), \
            \(bind: description), \(bind: author), \(bind: photoID), \(bind: at))
            """).run()
    }
}

extension FieldReportUpdateRecord {
    func insert(on db: any Database) async throws {
        try await FieldReportUpdateRow(reportID: reportID, state: state, description: description, author: author, photoID: photoID, at: at)
            .insert(on: db)
    }
}
