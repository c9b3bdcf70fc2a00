import FluentKit
import Foundation
import Logging
import Platform

/// A unit of the city's organisation: the city itself, a department, an agency, a ward or a commune.
public struct OrgUnit: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var nameEn: String?
    public var kind: String
    public var parentCode: String?
    public var nationalCode: String?

    init(_ record: OrgUnitRecord) throws {
        self.code = try record.requireID()
        self.name = record.name
        self.nameEn = record.nameEn
        self.kind = record.kind
        self.parentCode = record.parentCode
        self.nationalCode = record.nationalCode
    }
}

/// The org tree, loaded from the city profile into `org_units` and read from there.
public struct OrgTree: Sendable {
    let database: PlatformDatabase

    public init(database: PlatformDatabase) {
        self.database = database
    }

    /// Makes the table match the profile. Units that left the profile are kept but marked inactive, because
    /// dossiers and reports still refer to them.
    @discardableResult
    public func sync(with profile: CityProfile, logger: Logger) async throws -> Int {
        try await database.write(logger: logger) { db in
            let existing = try await OrgUnitRecord.query(on: db).all()
            var byCode = Dictionary(uniqueKeysWithValues: existing.compactMap { record in record.id.map { ($0, record) } })
            var changes = 0
            for unit in profile.units {
                let record = byCode.removeValue(forKey: unit.code) ?? OrgUnitRecord()
                let isNew = record.id == nil
                let changed = isNew || record.name != unit.name || record.nameEn != unit.nameEn || record.kind != unit.kind.rawValue
                    || record.parentCode != unit.parent || record.nationalCode != unit.nationalCode || !record.active
                guard changed else { continue }
                record.id = unit.code
                record.name = unit.name
                record.nameEn = unit.nameEn
                record.kind = unit.kind.rawValue
                record.parentCode = unit.parent
                record.nationalCode = unit.nationalCode
                record.active = true
                record.updatedAt = Date()
                if isNew { try await record.create(on: db) } else { try await record.update(on: db) }
                changes += 1
            }
            for record in byCode.values where record.active {
                record.active = false
                record.updatedAt = Date()
                try await record.update(on: db)
                changes += 1
            }
            if changes > 0 {
                struct Payload: Encodable {
                    let city: String
                    let units: Int
                    let changes: Int
                }
                try await EventLog.append(
                    try DomainEvent(type: "identity.org-tree.synced", actorName: Actor.system.name, subject: "city:\(profile.city.code)",
                                    payload: Payload(city: profile.city.code, units: profile.units.count, changes: changes)),
                    on: db)
            }
            return changes
        }
    }

    public func units(kind: String? = nil, logger: Logger) async throws -> [OrgUnit] {
        var query = OrgUnitRecord.query(on: try database.db(logger: logger)).filter(\.$active == true)
        if let kind { query = query.filter(\.$kind == kind) }
        return try await query.sort(\.$id).all().map { try OrgUnit($0) }
    }

    public func unit(_ code: String, logger: Logger) async throws -> OrgUnit? {
        guard let record = try await OrgUnitRecord.find(code, on: try database.db(logger: logger)), record.active else { return nil }
        return try OrgUnit(record)
    }

    public func children(of code: String, logger: Logger) async throws -> [OrgUnit] {
        try await OrgUnitRecord.query(on: try database.db(logger: logger))
            .filter(\.$parentCode == code).filter(\.$active == true).sort(\.$id).all().map { try OrgUnit($0) }
    }
}
