import FluentKit
import Foundation
import Identity
import Logging
import Platform

/// One of the city's integrated digital services (public administration, health, transport…), as listed in the
/// super-app. Most sign their users in through the platform's OpenID Connect provider.
public struct CityService: Codable, Sendable, Equatable {
    public enum Category: String, Codable, Sendable, CaseIterable {
        case publicServices = "public-services"
        case fieldReports = "field-reports"
        case payments
        case education
        case health
        case transport
        case tourismHeritage = "tourism-heritage"
        case landPlanning = "land-planning"
        case warnings
        case utilities
    }

    public enum Audience: String, Codable, Sendable, CaseIterable {
        case everyone
        case citizens
        case businesses
        case staff
    }

    public enum Status: String, Codable, Sendable, CaseIterable {
        case active
        case maintenance
        case retired
    }

    public var code: String
    public var name: String
    public var nameEn: String?
    public var description: String?
    public var descriptionEn: String?
    public var category: Category
    public var ownerUnit: String
    public var icon: String?
    public var launchURL: String
    public var status: Status
    public var audience: Audience
    public var clientID: String?

    /// Reads a stored service. An unknown category, status or audience is logged and thrown, not defaulted: a default
    /// audience of "everyone" would show a staff-only service to the public, so failing the read is the safe choice
    /// (chosen over falling back to "staff", which would hide the damage from everyone but the log).
    init(_ record: ServiceRecord, logger: Logger? = nil) throws {
        let code = try record.requireID()
        self.code = code
        name = record.name
        nameEn = record.nameEn
        description = record.summary
        descriptionEn = record.summaryEn
        category = try StoredData.value(Category.self, from: record.category, table: ServiceRecord.schema, column: "category", row: code, logger: logger)
        ownerUnit = record.ownerUnit
        icon = record.icon
        launchURL = record.launchURL
        status = try StoredData.value(Status.self, from: record.status, table: ServiceRecord.schema, column: "status", row: code, logger: logger)
        audience = try StoredData.value(Audience.self, from: record.audience, table: ServiceRecord.schema, column: "audience", row: code, logger: logger)
        clientID = record.clientID
    }

    /// Who sees a service in the catalogue: anonymous visitors and citizens see citizen services, businesses
    /// theirs, staff everything; retired services are hidden from everyone but administrators.
    func isVisible(to principal: Principal?) -> Bool {
        if principal?.has(.admin) == true { return true }
        if status == .retired { return false }
        let staff = principal?.grants.contains { $0.role.requiresUnit } ?? false
        switch audience {
        case .everyone: return true
        case .citizens: return principal == nil || principal?.has(.citizen) == true || staff
        case .businesses: return principal?.has(.business) == true || staff
        case .staff: return staff
        }
    }
}

final class ServiceRecord: Model, @unchecked Sendable {
    static let schema = "catalog_services"

    @ID(custom: "code", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    @OptionalField(key: "name_en") var nameEn: String?
    @OptionalField(key: "summary") var summary: String?
    @OptionalField(key: "summary_en") var summaryEn: String?
    @Field(key: "category") var category: String
    @Field(key: "owner_unit") var ownerUnit: String
    @OptionalField(key: "icon") var icon: String?
    @Field(key: "launch_url") var launchURL: String
    @Field(key: "status") var status: String
    @Field(key: "audience") var audience: String
    @OptionalField(key: "client_id") var clientID: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

struct CreateCatalogTables: AsyncMigration {
    var name: String { "catalog.create-tables" }

    func prepare(on database: any Database) async throws {
        try await database.schema(ServiceRecord.schema)
            .field("code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("name_en", .string)
            .field("summary", .string)
            .field("category", .string, .required)
            .field("owner_unit", .string, .required)
            .field("icon", .string)
            .field("launch_url", .string, .required)
            .field("status", .string, .required)
            .field("audience", .string, .required)
            .field("client_id", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ServiceRecord.schema).delete()
    }
}

/// English descriptions, so the English catalogue does not fall back to Vietnamese text.
struct AddEnglishDescriptions: AsyncMigration {
    var name: String { "catalog.add-english-descriptions" }

    func prepare(on database: any Database) async throws {
        try await database.schema(ServiceRecord.schema).field("summary_en", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ServiceRecord.schema).deleteField("summary_en").update()
    }
}
