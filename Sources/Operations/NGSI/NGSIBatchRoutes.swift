import Foundation
import Hummingbird
import Platform

/// `/entityOperations/{create,upsert,update,delete}`: many entities in one request and one transaction. An entity
/// (or a reading) that cannot be stored is listed with its reason in a 207; the others are stored.
struct NGSIBatchRoutes {
    static let maximumEntities = 5000
    let broker: NGSIBroker
    /// Batch delete: the operations centre; the other batches: its sensor gateways too (`feedAccess`).
    let access: Access
    let feedAccess: Access

    func addRoutes(to routes: SecuredRouter) {
        let broker = self.broker
        for (name, summary) in [("create", "create entities"), ("upsert", "create or replace/update entities"), ("update", "update existing entities")] {
            routes.on(.post, "\(NGSIEntityRoutes.base)/entityOperations/\(name)", access: feedAccess, summary: "NGSI-LD batch: \(summary)") { request, context in
                try await NGSIExchange.handle(request, context, broker, gateways: true) {
                    let options = (request.uri.queryParameters.get("options") ?? "").split(separator: ",").map(String.init)
                    let operation: EntityOperation = switch name {
                    case "create": .create
                    case "upsert": options.contains("update") ? .merge(overwrite: true) : .replace
                    default: .update(overwrite: !options.contains("noOverwrite"))
                    }
                    let (items, refused) = try await Self.entities(request, context: context, now: broker.clock())
                    let outcome = try await broker.write(items, operation: operation, logger: context.logger)
                    let errors = refused + outcome.errors
                    let stored = outcome.created + outcome.updated
                    if !errors.isEmpty { return NGSIExchange.batchErrors(stored, errors) }
                    if name == "update" || (name == "upsert" && outcome.created.isEmpty) { return NGSIExchange.empty(.noContent) }
                    return NGSIExchange.json(.array(outcome.created.map { .string($0) }), status: .created, ld: false)
                }
            }
        }
        routes.on(.post, "\(NGSIEntityRoutes.base)/entityOperations/delete", access: access, summary: "NGSI-LD batch: delete entities") { request, context in
            try await NGSIExchange.handle(request, context, broker) {
                let (value, _) = try await NGSIExchange.body(request, context: context)
                guard let list = value.array, list.count <= Self.maximumEntities else {
                    throw NGSIError(.badRequestData, "The body is a list of at most \(Self.maximumEntities) entity ids.")
                }
                var ids: [String] = []
                var refused: [(entityID: String, error: NGSIError)] = []
                for item in list {
                    guard let id = item.string, NGSINames.isURI(id) else {
                        refused.append((item.string.map(NGSINames.shown) ?? "?", NGSIError(.badRequestData, "Not an entity id (a URI).")))
                        continue
                    }
                    ids.append(id)
                }
                let outcome = try await broker.delete(ids, logger: context.logger)
                let errors = refused + outcome.errors
                return errors.isEmpty ? NGSIExchange.empty(.noContent) : NGSIExchange.batchErrors(outcome.deleted, errors)
            }
        }
    }

    /// The body's entities, each parsed alone: one that does not read is refused with its reason, not the batch.
    static func entities(_ request: Request, context: HuesRequestContext, now: Date) async throws
        -> ([EntityParser.Parsed], [(entityID: String, error: NGSIError)]) {
        let (value, link) = try await NGSIExchange.body(request, context: context)
        guard let list = value.array else { throw NGSIError(.badRequestData, "A batch body is a JSON list of entities.") }
        guard list.count <= maximumEntities else { throw NGSIError(.badRequestData, "A batch holds at most \(maximumEntities) entities.") }
        let parser = EntityParser(now: now)
        var parsed: [EntityParser.Parsed] = []
        var refused: [(entityID: String, error: NGSIError)] = []
        for item in list {
            do throws(NGSIError) {
                parsed.append(try parser.entity(item, linkContext: link))
            } catch {
                refused.append((item.object?["id"]?.string.map(NGSINames.shown) ?? "?", error))
            }
        }
        return (parsed, refused)
    }
}
