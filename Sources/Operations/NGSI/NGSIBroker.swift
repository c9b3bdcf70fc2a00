import Foundation
import Logging
import Platform
import SQLKit

/// The context broker behind `/ngsi-ld/v1`: entities, their readings and the notifications their changes owe
/// subscribers, written in one transaction so a reading is never stored without the notice it triggers.
public struct NGSIBroker: Sendable {
    public static let entitiesTopic = "ngsi.entities"
    public static let notificationsTopic = "ngsi.notifications"

    let database: PlatformDatabase
    let series: SensorSeries
    let subscriptions: SubscriptionBook
    let clock: @Sendable () -> Date
    /// The unit whose IOC operators run the city's operations centre (`city.json`); nil: admins only.
    let operationsUnit: String?
    /// The numeric attributes the city declared for indexing (`HUES_NGSI_NUMBER_INDEXES`).
    let numbers: EntityNumberIndex
    /// `PATCH …/attrs` requests waiting to be written together (`NGSIBroker+Patch.swift`).
    let patches: PatchGroups

    public init(database: PlatformDatabase, operationsUnit: String? = nil, numberIndexes: [SensorNumberIndex] = [],
                clock: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.operationsUnit = operationsUnit
        numbers = EntityNumberIndex(numberIndexes)
        self.clock = clock
        series = SensorSeries()
        subscriptions = SubscriptionBook(database: database)
        patches = PatchGroups(concurrentGroups: database.kind == .postgres ? 4 : 1)
    }

    /// Admins, and IOC operators of the operations centre's unit (an IOC role held in a ward does not reach the city's
    /// sensors); with `gateway`, also the unit's sensor gateways (for writing and reading entities only).
    public func mayUse(_ principal: Principal, gateway: Bool = false) -> Bool {
        guard !principal.has(.admin) else { return true }
        guard let unit = operationsUnit else { return false }
        return principal.grants.has(.iocOperator, in: unit) || (gateway && principal.grants.has(.sensorGateway, in: unit))
    }

    public struct Outcome: Sendable {
        public var created: [String]
        public var updated: [String]
        public var errors: [(entityID: String, error: NGSIError)]
        /// For `.patch`: the attributes named that the entity does not have, by entity.
        public var notUpdated: [String: [String]] = [:]
    }

    /// Applies `operation` to each parsed entity; the ones it cannot apply are listed in `errors`, the rest stored.
    /// `whole`: a request about one entity, which stores nothing when any of it is refused (the first error thrown).
    public func write(_ parsed: [EntityParser.Parsed], operation: EntityOperation, whole: Bool = false, logger: Logger) async throws -> Outcome {
        let now = clock()
        let forms = Self.forms(of: parsed, operation: operation, postgres: database.kind == .postgres)
        let (outcome, learned) = try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let applied = try await apply(parsed, operation: operation, at: now, forms: forms, on: sql, logger: logger)
            if whole, let refused = applied.0.errors.first { throw refused.error }
            return applied
        }
        series.remember(learned)
        return outcome
    }

    /// The same inside a transaction the caller runs (alerts write their `Alert` entity with the alert). Returns the
    /// series learned, to remember once the transaction has committed.
    func apply(_ parsed: [EntityParser.Parsed], operation: EntityOperation, at now: Date, recordReadings: Bool = true, forms: [EntityRows.Form?] = [],
               on sql: any SQLDatabase, logger: Logger) async throws -> (Outcome, [SensorSeries.Key: Int64]) {
        var (parsed, forms) = (parsed, forms)
        let ids = Array(Set(parsed.map(\.entity.id))).sorted()
        var plan = EntityWritePlan(parsed, operation: operation, existing: try await stored(ids, for: parsed, operation: operation, on: sql, logger: logger))
        var readings = recordReadings ? EntityWritePlan.readings(of: plan.written, at: now) : []
        let old = try await SummarisedHours.candidates(readings, at: now, on: sql)
        if !old.isEmpty {
            let summarised = try await SummarisedHours.check(old, stored: nil, on: sql, logger: logger)
            if !summarised.refused.isEmpty {
                // Refused like a reading the parser refuses, and planned again; an entity that lost a reading is no
                // longer stored as sent, so its row is worked out again.
                for index in SummarisedHours.refuse(summarised.refused, in: &parsed, at: now) where forms.indices.contains(index) { forms[index] = nil }
                plan = EntityWritePlan(parsed, operation: operation, existing: try await stored(ids, for: parsed, operation: operation, on: sql, logger: logger))
                readings = EntityWritePlan.readings(of: plan.written, at: now)
            }
            readings.removeAll { summarised.unchanged.contains(SensorSeries.Instant($0)) }
        }
        let milliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let postgres = sql.dialect.name == "postgresql"
        let rows = plan.entitiesToSave.map { entity in
            plan.asSent[entity.id].flatMap { forms.indices.contains($0) ? forms[$0] : nil } ?? EntityRows.Form(entity, postgres: postgres)
        }
        if operation == .create {
            // Another writer may have created one of them since it was looked up: that one is refused, not overwritten.
            plan.keepOnly(try await EntityRows.insertNew(rows, at: milliseconds, on: sql))
            let kept = Set(plan.written.map(\.entity.id))
            readings.removeAll { !kept.contains($0.entityID) }
        } else {
            try await EntityRows.save(rows, at: milliseconds, on: sql)
        }
        let learned = try await record(plan.written, readings: readings, at: now, on: sql)
        return (Outcome(created: plan.created, updated: plan.updated, errors: plan.errors, notUpdated: plan.notUpdated), learned)
    }

    /// The rows of the entities a batch replaces or creates, worked out on the request's task before its turn at the
    /// writer (nil where the stored document will be a merge, which only the transaction knows).
    static func forms(of parsed: [EntityParser.Parsed], operation: EntityOperation, postgres: Bool) -> [EntityRows.Form?] {
        guard operation == .replace || operation == .create else { return [] }
        return parsed.map { $0.refused.isEmpty ? EntityRows.Form($0.entity, postgres: postgres) : nil }
    }

    /// What follows storing the entities: the readings of the attributes written, and the notices they owe.
    func record(_ written: [EntityWritePlan.Written], readings: [SensorReading], at now: Date, on sql: any SQLDatabase) async throws
        -> [SensorSeries.Key: Int64] {
        try await record(readings: readings,
                         types: Dictionary(written.map { ($0.entity.id, $0.entity.type) }) { _, last in last },
                         notices: subscriptions.current.notifications(for: written, at: now), at: now, on: sql)
    }

    /// Readings of several writes in one statement (the same series and instant twice: the later reading wins).
    func record(readings: [SensorReading], types: [String: String], notices: [SubscriptionBook.Notice], at now: Date, on sql: any SQLDatabase)
        async throws -> [SensorSeries.Key: Int64] {
        var latest: [SensorSeries.Instant: SensorReading] = [:]
        for reading in readings { latest[SensorSeries.Instant(reading)] = reading }
        let learned = latest.isEmpty ? [:] : try await series.store(Array(latest.values), types: types, on: sql)
        try await NotificationOutbox.enqueue(notices, at: Int64((now.timeIntervalSince1970 * 1000).rounded()), on: sql)
        if !types.isEmpty { ChangeTopics.noteChange(Self.entitiesTopic) }
        if !notices.isEmpty { ChangeTopics.noteChange(Self.notificationsTopic) }
        return learned
    }

    /// What a write needs of the stored entities. Merging needs their attributes; replacing and creating need only
    /// to know which exist (and the attributes of those whose reading was refused, which the replacement keeps), so
    /// a batch of stations replacing themselves reads no documents.
    private func stored(_ ids: [String], for parsed: [EntityParser.Parsed], operation: EntityOperation, on sql: any SQLDatabase,
                        logger: Logger) async throws -> [String: NGSIEntity] {
        switch operation {
        case .merge, .update, .patch:
            return try await EntityRows.existing(ids, on: sql, logger: logger)
        case .create, .replace:
            let needed = Array(Set(parsed.filter { !$0.refused.isEmpty }.map(\.entity.id))).sorted()
            var found = try await EntityRows.existing(needed, on: sql, logger: logger)
            for id in try await EntityRows.present(ids, on: sql) where found[id] == nil {
                found[id] = NGSIEntity(id: id, type: "", attributes: [:])
            }
            return found
        }
    }

    /// Entities the platform itself writes (an alert's `Alert`): stored as they are, with no readings.
    func apply(_ entities: [NGSIEntity], operation: EntityOperation, at now: Date, on sql: any SQLDatabase, logger: Logger) async throws {
        _ = try await apply(entities.map { EntityParser.Parsed(entity: $0, refused: []) }, operation: operation, at: now, recordReadings: false, on: sql, logger: logger)
    }

    /// Deletes entities; the ones that do not exist are listed. Their readings stay: history is kept for the
    /// temporal API (and the retention sweep ages it out like any other).
    public func delete(_ ids: [String], logger: Logger) async throws -> (deleted: [String], errors: [(entityID: String, error: NGSIError)]) {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let unique = Array(Set(ids)).sorted()
            let existing = try await EntityRows.types(unique, on: sql)
            var errors: [(entityID: String, error: NGSIError)] = []
            var present: [String] = []
            for id in unique {
                guard let type = existing[id] else { errors.append((id, NGSIError(.resourceNotFound, "No entity \(id)."))); continue }
                do throws(NGSIError) { try EntityParser.refusePlatformOwned(id: id, type: type) } catch { errors.append((id, error)); continue }
                present.append(id)
            }
            try await EntityRows.delete(present, on: sql)
            if !present.isEmpty { ChangeTopics.noteChange(Self.entitiesTopic) }
            return (present, errors)
        }
    }

    /// Removes one attribute of an entity.
    public func deleteAttribute(_ name: String, of id: String, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard var entity = try await EntityRows.existing([id], on: sql, logger: logger)[id] else { throw NGSIError(.resourceNotFound, "No entity \(id).") }
            try EntityParser.refusePlatformOwned(id: id, type: entity.type)
            guard entity.attributes.removeValue(forKey: name) != nil else {
                throw NGSIError(.resourceNotFound, "The entity \(id) has no attribute '\(NGSINames.shown(name))'.")
            }
            try await EntityRows.save([entity], at: Int64((clock().timeIntervalSince1970 * 1000).rounded()), on: sql)
            ChangeTopics.noteChange(Self.entitiesTopic)
        }
    }

    public func entity(_ id: String, logger: Logger) async throws -> NGSIEntity? {
        let sql = try database.sql(logger: logger)
        return try EntityRows.decode(try await sql.raw(EntityRows.select(sql) + " WHERE id = \(bind: id)").all(), logger: logger).first
    }
}
