import Foundation
import Hummingbird
import Platform

/// `/subscriptions`: create (201 and a `Location` ending in the id), list, read, delete.
struct NGSISubscriptionRoutes {
    let broker: NGSIBroker
    let access: Access

    func addRoutes(to routes: SecuredRouter) {
        let broker = self.broker
        let base = "\(NGSIEntityRoutes.base)/subscriptions"
        routes.on(.post, base, access: access, summary: "NGSI-LD: subscribe to entity changes (HTTP notifications)") { request, context in
            try await NGSIExchange.handle(request, context, broker) {
                var (value, link) = try await NGSIExchange.body(request, context: context)
                if var members = value.object, members["@context"] == nil, let link {
                    members["@context"] = .string(link)
                    value = .object(members)
                }
                let subscription = try NGSISubscription.parse(value, id: "urn:ngsi-ld:Subscription:\(UUID().uuidString.lowercased())")
                try await broker.subscribe(subscription, by: try context.requirePrincipal(), logger: context.logger)
                return NGSIExchange.empty(.created, location: "\(base)/\(subscription.id)")
            }
        }
        routes.on(.get, base, access: access, summary: "NGSI-LD: list subscriptions") { request, context in
            try await NGSIExchange.handle(request, context, broker) {
                let parameters = NGSIExchange.parameters(request)
                guard let limit = BoundedInteger.parse(parameters["limit"] ?? "100", in: 0...1000),
                      let offset = BoundedInteger.parse(parameters["offset"] ?? "0", in: 0...1_000_000) else {
                    throw NGSIError(.badRequestData, "limit is 0 to 1000 and offset 0 to 1000000.")
                }
                let ld = NGSIExchange.wantsLD(request)
                let documents = try await broker.subscriptionDocuments(limit: limit, offset: offset, logger: context.logger)
                return NGSIExchange.json(.array(documents.map { Self.shown($0, ld: ld) }), ld: ld)
            }
        }
        routes.on(.get, "\(base)/:id", access: access, summary: "NGSI-LD: read a subscription and how its notifications fare") { request, context in
            try await NGSIExchange.handle(request, context, broker) {
                let id = try NGSIExchange.entityID(context)
                guard let document = try await broker.subscriptionDocuments(id: id, limit: 1, offset: 0, logger: context.logger).first else {
                    throw NGSIError(.resourceNotFound, "No subscription \(id).")
                }
                let ld = NGSIExchange.wantsLD(request)
                return NGSIExchange.json(Self.shown(document, ld: ld), ld: ld)
            }
        }
        routes.on(.delete, "\(base)/:id", access: access, summary: "NGSI-LD: end a subscription") { request, context in
            try await NGSIExchange.handle(request, context, broker) {
                try await broker.unsubscribe(try NGSIExchange.entityID(context), by: try context.requirePrincipal(), logger: context.logger)
                return NGSIExchange.empty(.noContent)
            }
        }
    }

    /// With `@context` for JSON-LD (the one it was created with, else the core context), without it for plain JSON.
    static func shown(_ document: JSONValue, ld: Bool) -> JSONValue {
        guard var members = document.object else { return document }
        if ld { members["@context"] = members["@context"] ?? .string(NGSIContext.core) } else { members["@context"] = nil }
        return .object(members)
    }
}
