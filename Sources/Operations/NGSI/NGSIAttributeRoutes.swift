import Foundation
import Hummingbird
import Platform

/// `/entities/:id/attrs`: append (POST), update the existing ones (PATCH), change or remove one attribute.
extension NGSIEntityRoutes {
    func addAttributeRoutes(to routes: SecuredRouter) {
        let broker = self.broker
        routes.on(.post, "\(Self.base)/entities/:id/attrs", access: feedAccess, summary: "NGSI-LD: add attributes to an entity") { request, context in
            try await NGSIExchange.handle(request, context, broker, gateways: true) {
                let entity = try await Self.stored(context, broker: broker)
                let parsed = try await Self.attributes(request, context: context, of: entity, now: broker.clock())
                let overwrite = !(request.uri.queryParameters.get("options") ?? "").split(separator: ",").contains("noOverwrite")
                let outcome = try await broker.write([parsed], operation: .update(overwrite: overwrite), whole: true, logger: context.logger)
                if let error = outcome.errors.first { throw error.error }
                return NGSIExchange.empty(.noContent)
            }
        }
        routes.on(.patch, "\(Self.base)/entities/:id/attrs", access: feedAccess, summary: "NGSI-LD: update an entity's existing attributes") { request, context in
            try await NGSIExchange.handle(request, context, broker, gateways: true) {
                let id = try NGSIExchange.entityID(context)
                let (value, link) = try await NGSIExchange.body(request, context: context)
                guard let members = value.object else { throw NGSIError(.badRequestData, "The attributes are a JSON object.") }
                let outcome = try await broker.patch(id, attributes: members, linkContext: link, logger: context.logger)
                if let error = outcome.errors.first { throw error.error }
                let unknown = outcome.notUpdated[id] ?? []
                guard !unknown.isEmpty else { return NGSIExchange.empty(.noContent) }
                let named = members.keys.filter { !EntityParser.reservedNames.contains($0) && !EntityParser.systemNames.contains($0) && !unknown.contains($0) }
                let document: JSONValue = .object([
                    "updated": .array(named.sorted().map { .string($0) }),
                    "notUpdated": .array(unknown.map { .object(["attributeName": .string($0), "reason": .string("The entity has no such attribute.")]) }),
                ])
                return NGSIExchange.json(document, status: NGSIExchange.multiStatus, ld: false)
            }
        }
        routes.on(.patch, "\(Self.base)/entities/:id/attrs/:attr", access: feedAccess, summary: "NGSI-LD: change one attribute") { request, context in
            try await NGSIExchange.handle(request, context, broker, gateways: true) {
                let entity = try await Self.stored(context, broker: broker)
                let name = try Self.attributeName(context)
                guard let stored = entity.attributes[name]?.object else { throw NGSIError(.resourceNotFound, "The entity has no attribute '\(name)'.") }
                let (value, _) = try await NGSIExchange.body(request, context: context)
                guard let change = value.object else { throw NGSIError(.badRequestData, "The change is a JSON object (e.g. {\"value\": 3}).") }
                var merged = stored.merging(change.filter { $0.key != "@context" }) { _, new in new }
                // A new value without its own time was observed now, not when the old one was.
                if change["value"] != nil, change["observedAt"] == nil { merged["observedAt"] = nil }
                let parser = EntityParser(now: broker.clock())
                let parsed = try parser.entity(.object(["id": .string(entity.id), "type": .string(entity.type), name: .object(merged)]))
                if let (attribute, error) = parsed.refused.first { throw NGSIError(error.kind, "\(error.detail) (attribute \(attribute))") }
                let outcome = try await broker.write([parsed], operation: .update(overwrite: true), whole: true, logger: context.logger)
                if let error = outcome.errors.first { throw error.error }
                return NGSIExchange.empty(.noContent)
            }
        }
        routes.on(.delete, "\(Self.base)/entities/:id/attrs/:attr", access: feedAccess, summary: "NGSI-LD: remove one attribute") { request, context in
            try await NGSIExchange.handle(request, context, broker, gateways: true) {
                try await broker.deleteAttribute(try Self.attributeName(context), of: try NGSIExchange.entityID(context), logger: context.logger)
                return NGSIExchange.empty(.noContent)
            }
        }
    }

    static func stored(_ context: HuesRequestContext, broker: NGSIBroker) async throws -> NGSIEntity {
        let id = try NGSIExchange.entityID(context)
        guard let entity = try await broker.entity(id, logger: context.logger) else { throw NGSIError(.resourceNotFound, "No entity \(id).") }
        try EntityParser.refusePlatformOwned(id: entity.id, type: entity.type)
        return entity
    }

    static func attributeName(_ context: HuesRequestContext) throws -> String {
        let raw = context.parameters.get("attr") ?? ""
        let name = raw.removingPercentEncoding ?? raw
        guard NGSINames.isName(name) else { throw NGSIError(.badRequestData, "'\(NGSINames.shown(name))' is not an attribute name.") }
        return name
    }
}
