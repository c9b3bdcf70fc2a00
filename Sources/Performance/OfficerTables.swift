import FluentKit
import SQLKit

/// Staff work (Decree 335/2025): the products kept from the event log, and what unit leaders enter by hand (the
/// 30-point general part of each officer's grade, and objective causes that excuse a late step). The entries are
/// the leaders' own records: a rebuild of the projection never touches them.
struct CreateOfficerTables: AsyncMigration {
    var name: String { "performance.officers.v1" }

    func prepare(on database: any Database) async throws {
        try await database.schema("performance_cases").field("procedure", .string).update()
        try await database.schema("performance_cases").field("verified_at", .datetime).update()
        try await database.schema("performance_work")
            .field("seq", .int, .identifier(auto: false))
            .field("subject", .string, .required)
            .field("unit_code", .string, .required)
            .field("officer_id", .string, .required)
            .field("officer_name", .string, .required)
            .field("action", .string, .required)
            .field("at", .datetime, .required)
            .field("work", .double, .required)
            .field("late", .bool, .required)
            .field("faults", .string, .required)
            .create()
        try await database.schema("performance_assessments")
            .field("officer_id", .string, .required)
            .field("unit_code", .string, .required)
            .field("period", .string, .required)
            .field("general_points", .double, .required)
            .field("disqualified", .bool, .required)
            .field("note", .string, .required)
            .field("entered_by", .string, .required)
            .field("entered_at", .datetime, .required)
            .unique(on: "officer_id", "unit_code", "period")
            .create()
        try await database.schema("performance_excuses")
            .field("work_seq", .int, .identifier(auto: false))
            .field("reason", .string, .required)
            .field("entered_by", .string, .required)
            .field("entered_at", .datetime, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "performance_work_unit_at").on("performance_work").column("unit_code").column("at").run()
        try await sql.create(index: "performance_work_subject").on("performance_work").column("subject").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["performance_excuses", "performance_assessments", "performance_work"] { try await database.schema(table).delete() }
        try await database.schema("performance_cases").deleteField("procedure").deleteField("verified_at").update()
    }
}
