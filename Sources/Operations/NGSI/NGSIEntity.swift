import Foundation
import Platform

/// An NGSI-LD entity as the broker keeps it: its id (a URI), its type, and each attribute in normalised form
/// (`{"type": "Property", "value": …, "observedAt": …}`), exactly as validated from what the client sent.
///
/// Term names are kept as written: the broker treats `@context` URLs as opaque names (this machine cannot fetch
/// them, and the platform's sensors all use the core context and short names), and returns the context it was given.
public struct NGSIEntity: Sendable, Equatable {
    public let id: String
    public let type: String
    public var attributes: [String: JSONValue]
    /// The `@context` the entity was written with (a URL, a list or an object), or nil for the core context.
    public var context: JSONValue?

    public init(id: String, type: String, attributes: [String: JSONValue], context: JSONValue? = nil) {
        self.id = id
        self.type = type
        self.attributes = attributes
        self.context = context
    }

    /// The stored document: id, type and the attributes (no `@context`, which is stored beside it).
    public var body: JSONValue {
        var members = attributes
        members["id"] = .string(id)
        members["type"] = .string(type)
        return .object(members)
    }

    /// The entity as an answer: normalised or `keyValues` (each attribute reduced to its value or object), limited to
    /// `only` attributes when the client asked for some, with `@context` when the client wants JSON-LD.
    public func rendered(only: Set<String>? = nil, keyValues: Bool = false, withContext: Bool) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for (name, attribute) in attributes where only?.contains(name) ?? true {
            members[name] = keyValues ? Self.simplified(attribute) : attribute
        }
        members["id"] = .string(id)
        members["type"] = .string(type)
        if withContext { members["@context"] = context ?? .string(NGSIContext.core) }
        return .object(members)
    }

    static func simplified(_ attribute: JSONValue) -> JSONValue {
        guard let members = attribute.object else { return attribute }
        return members["value"] ?? members["object"] ?? attribute
    }

    /// The numbers among the attributes' values (what goes into the time series), each with when it was observed.
    public func readings(at now: Date) -> [SensorReading] {
        attributes.compactMap { name, attribute in
            guard let members = attribute.object, members["type"]?.string == "Property", let value = members["value"]?.number, value.isFinite else { return nil }
            let observed = members["observedAt"]?.string.flatMap(NGSITime.parse) ?? now
            return SensorReading(entityID: id, attribute: name, observedAt: observed, value: value)
        }
    }
}

/// One numeric observation of one attribute: a row of the time series.
public struct SensorReading: Sendable, Equatable, Hashable {
    public let entityID: String
    public let attribute: String
    public let observedAt: Date
    public let value: Double

    public init(entityID: String, attribute: String, observedAt: Date, value: Double) {
        self.entityID = entityID
        self.attribute = attribute
        self.observedAt = observedAt
        self.value = value
    }

    /// Milliseconds since 1970: how the series stores time (exact, and ordered as integers).
    public var observedAtMilliseconds: Int64 { Int64((observedAt.timeIntervalSince1970 * 1000).rounded()) }
}

/// The JSON-LD context names the broker answers with.
public enum NGSIContext {
    public static let core = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
    public static let linkRelation = "http://www.w3.org/ns/json-ld#context"

    /// The `Link` header value that carries `context` for answers in plain JSON.
    public static func linkHeader(_ context: String = core) -> String {
        "<\(context)>; rel=\"\(linkRelation)\"; type=\"application/ld+json\""
    }

    /// The context URL in a request's `Link` header, if it names one with the JSON-LD relation.
    public static func fromLink(_ header: String?) -> String? {
        guard let header, header.utf8.count <= 2048, header.contains(linkRelation),
              let open = header.firstIndex(of: "<"), let close = header[open...].firstIndex(of: ">") else { return nil }
        let url = String(header[header.index(after: open)..<close])
        return url.isEmpty ? nil : url
    }
}
