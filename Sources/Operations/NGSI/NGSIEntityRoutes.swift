import Foundation
import Hummingbird
import Platform

/// `/ngsi-ld/v1/entities`: create, query, read, delete, and the attribute operations.
struct NGSIEntityRoutes {
    static let base = "/ngsi-ld/v1"
    let broker: NGSIBroker
    /// Deleting entities: the operations centre.
    let access: Access
    /// Writing and reading them: the centre and its sensor gateways.
    let feedAccess: Access

    func addRoutes(to routes: SecuredRouter) {
        let broker = self.broker
        routes.on(.get, "\(Self.base)/entities", access: feedAccess, summary: "NGSI-LD: query entities by type, id, attrs and q") { request, context in
            try await NGSIExchange.handle(request, context, broker, gateways: true) {
                let query = try EntityQuery(parameters: NGSIExchange.parameters(request))
                let (entities, count) = try await query.run(on: try broker.database.sql(logger: context.logger), numbers: broker.numbers, logger: context.logger)
                let ld = NGSIExchange.wantsLD(request)
                var headers = HTTPFields()
                if let count { headers[NGSIExchange.resultsCount] = String(count) }
                let list = JSONValue.array(entities.map { $0.rendered(only: query.attributes, keyValues: Self.keyValues(request), withContext: ld) })
                return NGSIExchange.json(list, ld: ld, headers: headers)
            }
        }
        routes.on(.post, "\(Self.base)/entities", access: feedAccess, summary: "NGSI-LD: create an entity") { request, context in
            try await NGSIExchange.handle(request, context, broker, gateways: true) {
                let (value, link) = try await NGSIExchange.body(request, context: context)
                let parsed = try EntityParser(now: broker.clock()).entity(value, linkContext: link)
                if let (attribute, error) = parsed.refused.first { throw NGSIError(error.kind, "\(error.detail) (attribute \(attribute))") }
                let outcome = try await broker.write([parsed], operation: .create, whole: true, logger: context.logger)
                if let error = outcome.errors.first { throw error.error }
                return NGSIExchange.empty(.created, location: "\(Self.base)/entities/\(parsed.entity.id)")
            }
        }
        routes.on(.get, "\(Self.base)/entities/:id", access: feedAccess, summary: "NGSI-LD: read an entity") { request, context in
            try await NGSIExchange.handle(request, context, broker, gateways: true) {
                let id = try NGSIExchange.entityID(context)
                let parameters = NGSIExchange.parameters(request)
                let only = try parameters["attrs"].map { Set(try EntityQuery.list($0, name: "attrs", check: NGSINames.isName)) }
                guard let entity = try await broker.entity(id, logger: context.logger) else { throw NGSIError(.resourceNotFound, "No entity \(id).") }
                let ld = NGSIExchange.wantsLD(request)
                return NGSIExchange.json(entity.rendered(only: only, keyValues: Self.keyValues(request), withContext: ld), ld: ld)
            }
        }
        routes.on(.delete, "\(Self.base)/entities/:id", access: access, summary: "NGSI-LD: delete an entity") { request, context in
            try await NGSIExchange.handle(request, context, broker) {
                let id = try NGSIExchange.entityID(context)
                let outcome = try await broker.delete([id], logger: context.logger)
                if let error = outcome.errors.first { throw error.error }
                return NGSIExchange.empty(.noContent)
            }
        }
        addAttributeRoutes(to: routes)
    }

    static func keyValues(_ request: Request) -> Bool {
        let options = request.uri.queryParameters.get("options") ?? ""
        return options.split(separator: ",").contains("keyValues")
    }

    /// The attributes of a request to `…/attrs`, as one entity of the stored type.
    static func attributes(_ request: Request, context: HuesRequestContext, of entity: NGSIEntity, now: Date) async throws -> EntityParser.Parsed {
        let (value, link) = try await NGSIExchange.body(request, context: context)
        guard var members = value.object else { throw NGSIError(.badRequestData, "The attributes are a JSON object.") }
        members["id"] = .string(entity.id)
        members["type"] = .string(entity.type)
        let parsed = try EntityParser(now: now).entity(.object(members), linkContext: link)
        if let (attribute, error) = parsed.refused.first { throw NGSIError(error.kind, "\(error.detail) (attribute \(attribute))") }
        return parsed
    }
}
