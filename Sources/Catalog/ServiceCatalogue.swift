import FluentKit
import Foundation
import Identity
import Logging
import Platform

/// A request to register a service, with the OpenID Connect client it signs users in with (if any).
public struct NewCityService: Codable, Sendable {
    public struct Client: Codable, Sendable {
        public var type: OAuthClient.ClientType
        public var redirectURIs: [String]
        public var postLogoutRedirectURIs: [String]?
        public var scopes: [String]?
        public var minimumACR: String?

        public init(type: OAuthClient.ClientType, redirectURIs: [String], postLogoutRedirectURIs: [String]?, scopes: [String]?, minimumACR: String?) {
            self.type = type
            self.redirectURIs = redirectURIs
            self.postLogoutRedirectURIs = postLogoutRedirectURIs
            self.scopes = scopes
            self.minimumACR = minimumACR
        }
    }

    public var code: String
    public var name: String
    public var nameEn: String?
    public var description: String?
    public var descriptionEn: String?
    public var category: CityService.Category
    public var ownerUnit: String
    public var icon: String?
    public var launchURL: String
    public var audience: CityService.Audience?
    public var status: CityService.Status?
    public var client: Client?

    public init(code: String, name: String, nameEn: String?, description: String?, descriptionEn: String? = nil, category: CityService.Category,
                ownerUnit: String, icon: String?, launchURL: String, audience: CityService.Audience?, status: CityService.Status?, client: Client?) {
        self.code = code
        self.name = name
        self.nameEn = nameEn
        self.description = description
        self.descriptionEn = descriptionEn
        self.category = category
        self.ownerUnit = ownerUnit
        self.icon = icon
        self.launchURL = launchURL
        self.audience = audience
        self.status = status
        self.client = client
    }
}

/// Changes to a service; absent fields stay as they are.
public struct ServiceChanges: Codable, Sendable {
    public var name: String?
    public var nameEn: String?
    public var description: String?
    public var descriptionEn: String?
    public var category: CityService.Category?
    public var icon: String?
    public var launchURL: String?
    public var audience: CityService.Audience?
    public var status: CityService.Status?

    public init(name: String? = nil, nameEn: String? = nil, description: String? = nil, category: CityService.Category? = nil, icon: String? = nil,
                launchURL: String? = nil, audience: CityService.Audience? = nil, status: CityService.Status? = nil) {
        self.name = name
        self.nameEn = nameEn
        self.description = description
        self.category = category
        self.icon = icon
        self.launchURL = launchURL
        self.audience = audience
        self.status = status
    }
}

/// What registering a service returns: the service and, once only, its client secret.
public struct RegisteredService: Codable, Sendable {
    public var service: CityService
    public var clientID: String?
    public var clientSecret: String?
}

/// The catalogue of the city's integrated services.
public struct ServiceCatalogue: Sendable {
    let database: PlatformDatabase
    let clients: OAuthClients
    let orgTree: OrgTree

    public init(database: PlatformDatabase, clients: OAuthClients, orgTree: OrgTree) {
        self.database = database
        self.clients = clients
        self.orgTree = orgTree
    }

    /// Admins register any service; a unit leader registers services owned by their own unit.
    static func mayManage(_ principal: Principal?, unit: String) -> Bool {
        guard let principal else { return false }
        return principal.has(.admin) || principal.has(.unitLeader, in: unit)
    }

    public func register(_ new: NewCityService, by principal: Principal?, actor: Actor, logger: Logger) async throws -> RegisteredService {
        var errors = Self.validate(code: new.code, name: new.name, launchURL: new.launchURL)
        if try await orgTree.unit(new.ownerUnit, logger: logger) == nil {
            errors.append(.init(field: "ownerUnit", message: "unknown unit '\(new.ownerUnit)'"))
        }
        let clientRequest = new.client.map {
            NewOAuthClient(clientID: new.code, name: new.name, type: $0.type, redirectURIs: $0.redirectURIs,
                           postLogoutRedirectURIs: $0.postLogoutRedirectURIs ?? [], allowedScopes: $0.scopes, minimumACR: $0.minimumACR)
        }
        // The client takes its id and name from the service, whose own checks already report them.
        if let clientRequest { errors += clientRequest.validate(prefix: "client.").filter { !["client.clientID", "client.name"].contains($0.field) } }
        if !errors.isEmpty { throw Problem.validation(errors) }
        if principal != nil, !Self.mayManage(principal, unit: new.ownerUnit) { throw Problem.forbidden() }
        let clients = self.clients
        return try await database.write(logger: logger) { db in
            if try await ServiceRecord.find(new.code, on: db) != nil { throw Problem.conflict("The service code '\(new.code)' is taken.") }
            var secret: String?
            if let clientRequest { secret = try await clients.register(clientRequest, on: db).secret }
            let record = ServiceRecord()
            record.id = new.code
            record.name = new.name
            record.nameEn = new.nameEn
            record.summary = new.description
            record.summaryEn = new.descriptionEn
            record.category = new.category.rawValue
            record.ownerUnit = new.ownerUnit
            record.icon = new.icon
            record.launchURL = new.launchURL
            record.status = (new.status ?? .active).rawValue
            record.audience = (new.audience ?? .everyone).rawValue
            record.clientID = clientRequest?.clientID
            record.createdAt = Date()
            record.updatedAt = Date()
            try await record.create(on: db)
            try await EventLog.append(
                try DomainEvent(type: "catalog.service.registered", actorID: actor.id, actorName: actor.name, unitCode: new.ownerUnit,
                                subject: "service:\(new.code)", payload: ["category": new.category.rawValue, "client": clientRequest?.clientID ?? ""]),
                on: db)
            return RegisteredService(service: try CityService(record, logger: logger), clientID: record.clientID, clientSecret: secret)
        }
    }

    public func update(_ code: String, with changes: ServiceChanges, by principal: Principal, logger: Logger) async throws -> CityService {
        guard let current = try await find(code, logger: logger) else { throw Problem.notFound("No service '\(code)'.") }
        guard Self.mayManage(principal, unit: current.ownerUnit) else { throw Problem.forbidden() }
        let errors = Self.validate(code: code, name: changes.name ?? current.name, launchURL: changes.launchURL ?? current.launchURL)
        if !errors.isEmpty { throw Problem.validation(errors) }
        let clients = self.clients
        return try await database.write(logger: logger) { db in
            guard let record = try await ServiceRecord.find(code, on: db) else { throw Problem.notFound("No service '\(code)'.") }
            if let name = changes.name { record.name = name }
            if let nameEn = changes.nameEn { record.nameEn = nameEn }
            if let description = changes.description { record.summary = description }
            if let descriptionEn = changes.descriptionEn { record.summaryEn = descriptionEn }
            if let category = changes.category { record.category = category.rawValue }
            if let icon = changes.icon { record.icon = icon }
            if let launchURL = changes.launchURL { record.launchURL = launchURL }
            if let audience = changes.audience { record.audience = audience.rawValue }
            if let status = changes.status {
                record.status = status.rawValue
                // A retired service can no longer sign anyone in.
                if let clientID = record.clientID { try await clients.setStatus(of: clientID, active: status != .retired, on: db) }
            }
            record.updatedAt = Date()
            try await record.update(on: db)
            try await EventLog.append(
                try DomainEvent(type: "catalog.service.updated", actorID: principal.accountID, actorName: principal.username,
                                unitCode: record.ownerUnit, subject: "service:\(code)", payload: changes),
                on: db)
            return try CityService(record, logger: logger)
        }
    }

    public func rotateSecret(of code: String, by principal: Principal?, actor: Actor, logger: Logger) async throws -> String {
        guard let service = try await find(code, logger: logger), let clientID = service.clientID else {
            throw Problem.notFound("No service '\(code)' with a sign-in client.")
        }
        if principal != nil, !Self.mayManage(principal, unit: service.ownerUnit) { throw Problem.forbidden() }
        let clients = self.clients
        return try await database.write(logger: logger) { db in
            let secret = try await clients.rotateSecret(of: clientID, on: db)
            try await EventLog.append(DomainEvent(type: "catalog.client-secret.rotated", actorID: actor.id, actorName: actor.name,
                                                  unitCode: service.ownerUnit, subject: "service:\(code)"), on: db)
            return secret
        }
    }

    public func find(_ code: String, logger: Logger) async throws -> CityService? {
        try await ServiceRecord.find(code, on: try database.db(logger: logger)).map { try CityService($0, logger: logger) }
    }

    /// The services a caller may see, optionally narrowed by a search text (Vietnamese or English name) and category.
    public func list(for principal: Principal?, search: String? = nil, category: CityService.Category? = nil, logger: Logger) async throws
        -> [CityService]
    {
        var query = ServiceRecord.query(on: try database.db(logger: logger))
        if let category { query = query.filter(\.$category == category.rawValue) }
        let all = try await query.sort(\.$category).sort(\.$name).all().map { try CityService($0, logger: logger) }
        let needle = search.map(Self.fold)
        return all.filter { service in
            guard service.isVisible(to: principal) else { return false }
            guard let needle, !needle.isEmpty else { return true }
            return Self.fold(service.name).contains(needle) || Self.fold(service.nameEn ?? "").contains(needle)
                || Self.fold(service.description ?? "").contains(needle) || Self.fold(service.descriptionEn ?? "").contains(needle)
        }
    }

    /// Case- and diacritic-insensitive, so "phan anh" finds "Phản ánh" (đ folds to d).
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).replacingOccurrences(of: "đ", with: "d")
    }

    package static func validate(code: String, name: String, launchURL: String) -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        if code.count < 3 || code.count > 64 || !code.allSatisfy({ allowed.contains($0) }) {
            errors.append(.init(field: "code", message: "must be 3 to 64 of a-z, 0-9 and '-'"))
        }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { errors.append(.init(field: "name", message: "is required")) }
        if let url = URL(string: launchURL), let scheme = url.scheme, ["https", "http"].contains(scheme), url.host != nil {} else {
            errors.append(.init(field: "launchURL", message: "must be an http(s) URL"))
        }
        return errors
    }
}
