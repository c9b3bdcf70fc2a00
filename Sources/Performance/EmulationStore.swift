import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Reads and writes of movements and initiatives; each write is one transaction with its event.
enum EmulationStore {
    static func movements(on sql: any SQLDatabase) async throws -> [Movement] {
        try await sql.raw("SELECT code, name, period, data_weight, created_at FROM performance_movements ORDER BY created_at DESC, code").all().map(movement)
    }

    static func movement(_ code: String, on sql: any SQLDatabase) async throws -> Movement? {
        try await sql.raw("SELECT code, name, period, data_weight, created_at FROM performance_movements WHERE code = \(bind: code)").first().map(movement)
    }

    static func create(_ movement: Movement, actor: Principal, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        // ON CONFLICT rather than a look first: two admins creating the same code at once get one movement and one 409.
        let inserted = try await sql.raw("""
            INSERT INTO performance_movements (code, name, period, data_weight, created_at) VALUES (\(bind: movement.code), \(bind: movement.name), \
            \(bind: movement.period), \(bind: movement.dataWeight), \(bind: movement.createdAt)) ON CONFLICT (code) DO NOTHING RETURNING code
            """).first()
        guard inserted != nil else { throw Problem.conflict("A movement with that code exists.") }
        try await EventLog.append(try DomainEvent(type: "performance.movement.created", actorID: actor.accountID, actorName: actor.username,
                                                  subject: "movement:\(movement.code)", payload: ["period": movement.period], occurredAt: movement.createdAt),
                                  on: db)
    }

    static let initiativeColumns = "id, movement, unit_code, title, description, registered_by, registered_at, council_points, council_note, award"

    static func initiatives(of movement: String, logger: Logger, on sql: any SQLDatabase) async throws -> [Initiative] {
        try await sql.raw("""
            SELECT \(unsafeRaw: initiativeColumns) FROM performance_initiatives WHERE movement = \(bind: movement) ORDER BY registered_at, unit_code
            """).all().map { try initiative($0, logger: logger) }
    }

    static func initiative(_ id: UUID, logger: Logger, on sql: any SQLDatabase) async throws -> Initiative? {
        try await sql.raw("SELECT \(unsafeRaw: initiativeColumns) FROM performance_initiatives WHERE id = \(bind: id)").first()
            .map { try initiative($0, logger: logger) }
    }

    static func awarded(logger: Logger, on sql: any SQLDatabase) async throws -> [Initiative] {
        try await sql.raw("SELECT \(unsafeRaw: initiativeColumns) FROM performance_initiatives WHERE award IS NOT NULL ORDER BY registered_at DESC")
            .all().map { try initiative($0, logger: logger) }
    }

    /// Registers `initiative`; a unit has one initiative per movement.
    static func register(_ initiative: Initiative, actor: Principal, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let inserted = try await sql.raw("""
            INSERT INTO performance_initiatives (id, movement, unit_code, title, description, registered_by, registered_at) VALUES (\(bind: initiative.id), \
            \(bind: initiative.movement), \(bind: initiative.unit), \(bind: initiative.title), \(bind: initiative.description), \
            \(bind: initiative.registeredBy), \(bind: initiative.registeredAt)) ON CONFLICT (movement, unit_code) DO NOTHING RETURNING id
            """).first()
        guard inserted != nil else { throw Problem.conflict("The unit has registered an initiative in this movement already.") }
        try await EventLog.append(try DomainEvent(type: "performance.initiative.registered", actorID: actor.accountID, actorName: actor.username,
                                                  unitCode: initiative.unit, subject: "initiative:\(initiative.id)",
                                                  payload: ["movement": initiative.movement], occurredAt: initiative.registeredAt), on: db)
    }

    /// Writes the council's points of an initiative not yet awarded; false when it was awarded meanwhile.
    static func assess(_ initiative: Initiative, actor: Principal, at moment: Date, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let changed = try await sql.raw("""
            UPDATE performance_initiatives SET council_points = \(bind: initiative.councilPoints), council_note = \(bind: initiative.councilNote) \
            WHERE id = \(bind: initiative.id) AND award IS NULL RETURNING id
            """).first()
        guard changed != nil else { return false }
        try await logged("performance.initiative.assessed", initiative, actor: actor, at: moment, on: db)
        return true
    }

    /// Records the award of an initiative, on the council's points it was decided on; false when it was awarded or
    /// reassessed meanwhile (the figures the award keeps would not be the ones it was given on).
    static func award(_ initiative: Initiative, actor: Principal, at moment: Date, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase, let award = initiative.award else { throw Problem.internal() }
        let changed = try await sql.raw("""
            UPDATE performance_initiatives SET award = \(bind: try JSONColumn.encode(award)) \
            WHERE id = \(bind: initiative.id) AND award IS NULL AND council_points = \(bind: award.councilPoints) RETURNING id
            """).first()
        guard changed != nil else { return false }
        try await logged("performance.initiative.awarded", initiative, actor: actor, at: moment, on: db)
        return true
    }

    private static func logged(_ type: String, _ initiative: Initiative, actor: Principal, at moment: Date, on db: any Database) async throws {
        try await EventLog.append(try DomainEvent(type: type, actorID: actor.accountID, actorName: actor.username, unitCode: initiative.unit,
                                                  subject: "initiative:\(initiative.id)", payload: ["movement": initiative.movement],
                                                  occurredAt: moment), on: db)
    }

    private static func movement(_ row: any SQLRow) throws -> Movement {
        Movement(code: try row.decode(column: "code", as: String.self), name: try row.decode(column: "name", as: String.self),
                 period: try row.decode(column: "period", as: String.self), dataWeight: try row.decode(column: "data_weight", as: Double.self),
                 createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    private static func initiative(_ row: any SQLRow, logger: Logger) throws -> Initiative {
        let id = try row.decode(column: "id", as: UUID.self)
        let award = try row.decode(column: "award", as: String?.self).map {
            try JSONColumn.decode(Award.self, from: $0, table: "performance_initiatives", column: "award", row: id.uuidString, logger: logger)
        }
        return Initiative(id: id, movement: try row.decode(column: "movement", as: String.self), unit: try row.decode(column: "unit_code", as: String.self),
                          title: try row.decode(column: "title", as: String.self), description: try row.decode(column: "description", as: String.self),
                          registeredBy: try row.decode(column: "registered_by", as: String.self),
                          registeredAt: try row.decode(column: "registered_at", as: Date.self),
                          councilPoints: try row.decode(column: "council_points", as: Double?.self),
                          councilNote: try row.decode(column: "council_note", as: String?.self), award: award)
    }
}
