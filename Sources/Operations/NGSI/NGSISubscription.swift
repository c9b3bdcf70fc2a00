import Foundation
import Platform

/// An NGSI-LD subscription: which entities (by type, and id or id prefix), which attribute changes, which `q`
/// they must match, and where the notification goes. Read from a client's document at the edge; the stored
/// document is the one the client sent, with the id the broker gave it.
public struct NGSISubscription: Sendable {
    public struct Selector: Sendable, Equatable {
        public var type: String
        public var id: String?
        public var idPrefix: String?
    }

    public let id: String
    public let selectors: [Selector]
    public let watched: Set<String>
    public let query: NGSIQuery?
    public let attributes: Set<String>?
    public let keyValues: Bool
    public let endpoint: String
    public let active: Bool

    /// The endpoint without its query string or fragment, for the event log.
    var endpointShown: String {
        guard var components = URLComponents(string: endpoint) else { return "?" }
        components.query = nil
        components.fragment = nil
        return components.string ?? "?"
    }
    public let document: JSONValue

    /// Whether a write of `entity` that set `changed` owes this subscription a notification.
    func wants(_ entity: NGSIEntity, changed: some Collection<String>) -> Bool {
        guard active, selectors.contains(where: { $0.type == entity.type && ($0.id.map { $0 == entity.id } ?? true)
                                                   && ($0.idPrefix.map { entity.id.hasPrefix($0) } ?? true) }) else { return false }
        if !watched.isEmpty, !changed.contains(where: watched.contains) { return false }
        return query?.matches(entity) ?? true
    }

    static let knownMembers: Set<String> = ["id", "type", "entities", "watchedAttributes", "q", "notification", "isActive", "description",
                                            "subscriptionName", "name", "@context"]

    /// Reads a client's subscription document; `id` is used when the document has none.
    public static func parse(_ value: JSONValue, id generated: String) throws(NGSIError) -> NGSISubscription {
        guard let members = value.object, members["type"]?.string == "Subscription" else {
            throw NGSIError(.badRequestData, "A subscription is a JSON object with \"type\": \"Subscription\".")
        }
        if let unknown = members.keys.sorted().first(where: { !knownMembers.contains($0) }) {
            throw NGSIError(.operationNotSupported, "Subscriptions here do not support '\(NGSINames.shown(unknown))'.")
        }
        let id = members["id"]?.string ?? generated
        guard NGSINames.isURI(id) else { throw NGSIError(.badRequestData, "The subscription id must be a URI.") }
        guard let entities = members["entities"]?.array, !entities.isEmpty, entities.count <= 20 else {
            throw NGSIError(.badRequestData, "A subscription names 1 to 20 'entities', each with a type.")
        }
        let selectors = try entities.map { entry throws(NGSIError) -> Selector in
            guard let type = entry.object?["type"]?.string, NGSINames.isName(type) else { throw NGSIError(.badRequestData, "Each of 'entities' needs a valid 'type'.") }
            let id = entry.object?["id"]?.string
            if let id, !NGSINames.isURI(id) { throw NGSIError(.badRequestData, "An 'id' in 'entities' is not a URI.") }
            let prefix = try entry.object?["idPattern"]?.string.map { pattern throws(NGSIError) in try EntityQuery.prefix(of: pattern) }
            return Selector(type: type, id: id, idPrefix: prefix)
        }
        let watched = try names(members["watchedAttributes"], field: "watchedAttributes")
        let query = try members["q"].map { value throws(NGSIError) -> NGSIQuery in
            guard let text = value.string else { throw NGSIError(.badRequestData, "'q' is a query string.") }
            return try NGSIQueryParser.parse(text)
        }
        guard let notification = members["notification"]?.object, let endpoint = notification["endpoint"]?.object,
              let uri = endpoint["uri"]?.string else {
            throw NGSIError(.badRequestData, "A subscription needs notification.endpoint.uri.")
        }
        guard uri.utf8.count <= 500, let url = URL(string: uri), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil, url.user == nil,
              url.password == nil else {
            throw NGSIError(.badRequestData, "notification.endpoint.uri must be an http(s) URL of at most 500 characters, without user information.")
        }
        // Members this broker would store but never act on (receiverInfo's headers, above all) are refused, not kept.
        if let unknown = notification.keys.sorted().first(where: { !["attributes", "format", "endpoint"].contains($0) })
            ?? endpoint.keys.sorted().first(where: { !["uri", "accept"].contains($0) }) {
            throw NGSIError(.operationNotSupported, "Notifications here do not support '\(NGSINames.shown(unknown))'.")
        }
        let format = notification["format"]?.string ?? "normalized"
        guard format == "normalized" || format == "keyValues" else { throw NGSIError(.badRequestData, "notification.format is normalized or keyValues.") }
        let attributes = try names(notification["attributes"], field: "notification.attributes")
        var document = members
        document["id"] = .string(id)
        return NGSISubscription(id: id, selectors: selectors, watched: Set(watched), query: query, attributes: attributes.isEmpty ? nil : Set(attributes),
                                keyValues: format == "keyValues", endpoint: uri, active: members["isActive"]?.bool ?? true, document: .object(document))
    }

    private static func names(_ value: JSONValue?, field: String) throws(NGSIError) -> [String] {
        guard let value else { return [] }
        guard let items = value.array, items.count <= 100, items.allSatisfy({ $0.string.map(NGSINames.isName) ?? false }) else {
            throw NGSIError(.badRequestData, "'\(field)' is a list of at most 100 attribute names.")
        }
        return items.compactMap(\.string)
    }
}
