import FluentKit
import Foundation
import SQLKit

/// One citizen report. The workflow case holds the process; this row holds what the public and Open311 read, kept
/// in step with the case in the same transaction as every change.
final class FieldReportRecord: Model, @unchecked Sendable {
    static let schema = "field_reports"

    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "category") var category: String
    @Field(key: "description") var description: String
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    /// The spatial index key (`GridCell`).
    @OptionalField(key: "cell") var cell: Int64?
    @OptionalField(key: "address") var address: String?
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "state") var state: String
    @Field(key: "is_open") var isOpen: Bool
    @Field(key: "is_public") var isPublic: Bool
    @Field(key: "channel") var channel: String
    @OptionalField(key: "reporter_id") var reporterID: String?
    @OptionalField(key: "reporter_name") var reporterName: String?
    @OptionalField(key: "reporter_contact") var reporterContact: String?
    @Field(key: "anonymous") var anonymous: Bool
    @OptionalField(key: "client_id") var clientID: UUID?
    /// A retrying client's key (`Idempotency-Key`, or the Open311 device and request): unique, so a retry finds the
    /// report it already filed.
    @OptionalField(key: "dedupe_key") var dedupeKey: String?
    @OptionalField(key: "request_digest") var requestDigest: String?
    /// The report whose case this one joined (clustered at filing, or merged by staff); nil for a case of its own.
    @OptionalField(key: "case_id") var caseID: UUID?
    @OptionalField(key: "instance_id") var instanceID: UUID?
    @Field(key: "supports") var supports: Int
    @OptionalField(key: "rating") var rating: Int?
    @OptionalField(key: "rating_comment") var ratingComment: String?
    @Field(key: "attributes") var attributes: String
    @OptionalField(key: "rejection") var rejection: String?
    @OptionalField(key: "result_note") var resultNote: String?
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    @OptionalField(key: "resolved_at") var resolvedAt: Date?
    @OptionalField(key: "handling_seconds") var handlingSeconds: Int?
    @OptionalField(key: "due_at") var dueAt: Date?
    @OptionalField(key: "on_time") var onTime: Bool?
    @Field(key: "requested_at") var requestedAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// A photo, stripped of its metadata; `purpose` is `report` (the reporter's) or `result` (the unit's).
final class FieldReportPhotoRecord: Model, @unchecked Sendable {
    static let schema = "field_report_photos"

    @ID(key: .id) var id: UUID?
    @Field(key: "report_id") var reportID: UUID
    @Field(key: "purpose") var purpose: String
    @Field(key: "position") var position: Int
    @Field(key: "media_type") var mediaType: String
    @Field(key: "width") var width: Int
    @Field(key: "height") var height: Int
    @Field(key: "content") var content: Data
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A public step in a report's life (Open311 `servicerequestupdates`).
final class FieldReportUpdateRecord: Model, @unchecked Sendable {
    static let schema = "field_report_updates"

    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "report_id") var reportID: UUID
    @Field(key: "state") var state: String
    @Field(key: "description") var description: String
    @Field(key: "author") var author: String
    @OptionalField(key: "photo_id") var photoID: UUID?
    @Field(key: "at") var at: Date

    init() {}
}

/// "Me too": one per person and report.
final class FieldReportSupportRecord: Model, @unchecked Sendable {
    static let schema = "field_report_supports"

    @ID(key: .id) var id: UUID?
    @Field(key: "report_id") var reportID: UUID
    @Field(key: "account_id") var accountID: String
    @Field(key: "at") var at: Date

    init() {}
}

/// An integrating system allowed to post Open311 requests; only the key's digest is kept.
final class Open311ClientRecord: Model, @unchecked Sendable {
    static let schema = "open311_clients"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "key_digest") var keyDigest: String
    @Field(key: "key_prefix") var keyPrefix: String
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}
}

struct CreateFieldReportsTables: AsyncMigration {
    var name: String { "field-reports.create" }

    func prepare(on database: any Database) async throws {
        try await createReports(on: database)
        try await createPhotos(on: database)
        try await createUpdates(on: database)
        try await createSupports(on: database)
        try await createOpen311Clients(on: database)
        guard let sql = database as? any SQLDatabase else { return }
        try await createIndexes(on: sql)
    }

    private func createReports(on database: any Database) async throws {
        try await database.schema(FieldReportRecord.schema)
            .id()
            .field("code", .string, .required)
            .field("category", .string, .required)
            .field("description", .string, .required)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("cell", .int64)
            .field("address", .string)
            .field("unit_code", .string, .required)
            .field("state", .string, .required)
            .field("is_open", .bool, .required)
            .field("is_public", .bool, .required)
            .field("channel", .string, .required)
            .field("reporter_id", .string)
            .field("reporter_name", .string)
            .field("reporter_contact", .string)
            .field("anonymous", .bool, .required)
            .field("client_id", .uuid)
            .field("dedupe_key", .string)
            .field("request_digest", .string)
            .field("case_id", .uuid)
            .field("instance_id", .uuid)
            .field("supports", .int, .required)
            .field("rating", .int)
            .field("rating_comment", .string)
            .field("attributes", .string, .required)
            .field("rejection", .string)
            .field("result_note", .string)
            .field("accepted_at", .datetime)
            .field("resolved_at", .datetime)
            .field("handling_seconds", .int)
            .field("due_at", .datetime)
            .field("on_time", .bool)
            .field("requested_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "code")
            .unique(on: "dedupe_key")
            .create()
    }

    private func createPhotos(on database: any Database) async throws {
        try await database.schema(FieldReportPhotoRecord.schema)
            .id()
            .field("report_id", .uuid, .required, .references(FieldReportRecord.schema, "id"))
            .field("purpose", .string, .required)
            .field("position", .int, .required)
            .field("media_type", .string, .required)
            .field("width", .int, .required)
            .field("height", .int, .required)
            .field("content", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    private func createUpdates(on database: any Database) async throws {
        try await database.schema(FieldReportUpdateRecord.schema)
            .field("id", .int, .identifier(auto: true))
            .field("report_id", .uuid, .required, .references(FieldReportRecord.schema, "id"))
            .field("state", .string, .required)
            .field("description", .string, .required)
            .field("author", .string, .required)
            .field("photo_id", .uuid)
            .field("at", .datetime, .required)
            .create()
    }

    private func createSupports(on database: any Database) async throws {
        try await database.schema(FieldReportSupportRecord.schema)
            .id()
            .field("report_id", .uuid, .required, .references(FieldReportRecord.schema, "id"))
            .field("account_id", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "report_id", "account_id")
            .create()
    }

    private func createOpen311Clients(on database: any Database) async throws {
        try await database.schema(Open311ClientRecord.schema)
            .id()
            .field("name", .string, .required)
            .field("key_digest", .string, .required)
            .field("key_prefix", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .unique(on: "key_digest")
            .create()
    }

    private func createIndexes(on sql: any SQLDatabase) async throws {
        // Nearby open reports of one category: a handful of index ranges (one per grid cell), never a table scan. The
        // index holds open reports only, so its size follows the city's backlog, not its whole history.
        try await sql.raw("CREATE INDEX field_reports_nearby ON field_reports (category, cell) WHERE is_open = true").run()
        try await sql.raw("CREATE INDEX field_reports_public ON field_reports (is_public, requested_at)").run()
        try await sql.raw("CREATE INDEX field_reports_updated ON field_reports (updated_at)").run()
        try await sql.raw("CREATE INDEX field_reports_unit ON field_reports (unit_code, requested_at)").run()
        try await sql.raw("CREATE INDEX field_reports_reporter ON field_reports (reporter_id, requested_at)").run()
        try await sql.raw("CREATE INDEX field_reports_case ON field_reports (case_id)").run()
        try await sql.raw("CREATE INDEX field_reports_state ON field_reports (state, requested_at)").run()
        try await sql.raw("CREATE INDEX field_report_photos_report ON field_report_photos (report_id, purpose, position)").run()
        try await sql.raw("CREATE INDEX field_report_updates_report ON field_report_updates (report_id, id)").run()
        try await sql.raw("CREATE INDEX field_report_updates_at ON field_report_updates (at)").run()
    }

    func revert(on database: any Database) async throws {
        for schema in [Open311ClientRecord.schema, FieldReportSupportRecord.schema, FieldReportUpdateRecord.schema, FieldReportPhotoRecord.schema,
                       FieldReportRecord.schema] {
            try await database.schema(schema).delete()
        }
    }
}
