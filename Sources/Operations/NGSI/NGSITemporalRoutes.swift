import Foundation
import Hummingbird
import Platform

/// `/temporal/entities`: the history of numeric attributes, per entity or for the entities a query selects.
struct NGSITemporalRoutes {
    static let maximumEntities = 100
    let broker: NGSIBroker
    let access: Access

    func addRoutes(to routes: SecuredRouter) {
        let broker = self.broker
        let base = "\(NGSIEntityRoutes.base)/temporal/entities"
        routes.on(.get, "\(base)/:id", access: access, summary: "NGSI-LD temporal: an entity's history (timerel, lastN, aggregation)") { request, context in
            try await NGSIExchange.handle(request, context, broker) {
                let id = try NGSIExchange.entityID(context)
                let query = try TemporalQuery(parameters: NGSIExchange.parameters(request))
                let ld = NGSIExchange.wantsLD(request)
                guard let history = try await broker.history(of: id, query: query, withContext: ld, logger: context.logger) else {
                    throw NGSIError(.resourceNotFound, "No entity or history \(id).")
                }
                return NGSIExchange.json(history, ld: ld)
            }
        }
        routes.on(.get, base, access: access, summary: "NGSI-LD temporal: the history of the entities a query selects") { request, context in
            try await NGSIExchange.handle(request, context, broker) {
                let parameters = NGSIExchange.parameters(request)
                var selection = try EntityQuery(parameters: parameters.filter { ["type", "id", "idPattern", "q", "limit", "offset"].contains($0.key) })
                guard selection.limit <= Self.maximumEntities else {
                    throw NGSIError(.tooManyResults, "The temporal API answers for at most \(Self.maximumEntities) entities at a time.")
                }
                selection.count = true
                let query = try TemporalQuery(parameters: parameters)
                guard parameters["timerel"] != nil || query.lastN != nil else {
                    throw NGSIError(.badRequestData, "Querying the history of many entities needs a window (timerel) or lastN.")
                }
                let budget = TemporalBudget()
                let (entities, count) = try await selection.run(on: try broker.database.sql(logger: context.logger), numbers: broker.numbers, logger: context.logger)
                let ld = NGSIExchange.wantsLD(request)
                var histories: [JSONValue] = []
                for entity in entities {
                    if let history = try await broker.history(of: entity.id, query: query, withContext: ld, budget: budget, logger: context.logger) {
                        histories.append(history)
                    }
                }
                var headers = HTTPFields()
                if let count { headers[NGSIExchange.resultsCount] = String(count) }
                return NGSIExchange.json(.array(histories), ld: ld, headers: headers)
            }
        }
    }
}
