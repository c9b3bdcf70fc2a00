import Foundation
import Platform

/// Reads and checks one entity of a client's document. What makes the whole entity unusable (no id, an attribute
/// that is not an attribute) refuses it; what is wrong with one reading (a time in the future, words where the
/// smart data model has a number) refuses that attribute only, so a batch stores the rest and lists the refusal.
public struct EntityParser: Sendable {
    /// How far ahead of the server's clock an observation may be dated (sensor clocks drift; a day ahead is a bug).
    public static let futureTolerance: TimeInterval = 300
    static let earliest = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01
    static let reservedNames: Set<String> = ["id", "type", "@context"]
    /// Types only the platform writes: an `Alert` comes from an alert rule, so a gateway cannot forge one.
    public static let platformTypes: Set<String> = ["Alert", "KeyPerformanceIndicator"]

    /// Whether an entity is the platform's own: of its types, or named under them (`urn:ngsi-ld:Alert:…`), so that a
    /// client can neither write one under another type nor change or delete it.
    public static func isPlatformOwned(id: String, type: String? = nil) -> Bool {
        type.map(platformTypes.contains) == true || platformTypes.contains { id.hasPrefix("urn:ngsi-ld:\($0):") }
    }

    static func refusePlatformOwned(id: String, type: String? = nil) throws(NGSIError) {
        guard isPlatformOwned(id: id, type: type) else { return }
        throw NGSIError(.badRequestData, "\(NGSINames.shown(id)) is written by the platform (its alert rules and live figures), not by clients.")
    }
    /// System attributes a client may send back from an earlier read; the broker sets its own.
    static let systemNames: Set<String> = ["createdAt", "modifiedAt", "deletedAt"]

    public let now: Date

    public init(now: Date) {
        self.now = now
    }

    public struct Parsed: Sendable {
        public var entity: NGSIEntity
        /// Attributes left out, each with why.
        public var refused: [(attribute: String, error: NGSIError)]
    }

    /// `linkContext`: the context from the request's `Link` header, used when the body carries none.
    public func entity(_ value: JSONValue, linkContext: String? = nil) throws(NGSIError) -> Parsed {
        guard let members = value.object else { throw NGSIError(.badRequestData, "An entity must be a JSON object.") }
        guard let id = members["id"]?.string else { throw NGSIError(.badRequestData, "The entity has no 'id' (a URI).") }
        guard NGSINames.isURI(id) else { throw NGSIError(.badRequestData, "The entity id '\(NGSINames.shown(id))' is not a URI.") }
        guard let type = members["type"]?.string else {
            throw NGSIError(.badRequestData, "The entity \(id) has no 'type' (one type name; lists of types are not supported).")
        }
        guard NGSINames.isName(type) else { throw NGSIError(.badRequestData, "The entity type '\(NGSINames.shown(type))' is not a valid name.") }
        try Self.refusePlatformOwned(id: id, type: type)
        var attributes: [String: JSONValue] = [:]
        var refused: [(String, NGSIError)] = []
        for (name, raw) in members where !Self.reservedNames.contains(name) && !Self.systemNames.contains(name) {
            guard NGSINames.isName(name) else { throw NGSIError(.badRequestData, "'\(NGSINames.shown(name))' is not a valid attribute name.") }
            do throws(NGSIError) {
                attributes[name] = try attribute(name, raw, ofType: type)
            } catch let error where error.kind == .badRequestData && isReadingProblem(error) {
                refused.append((name, error))
            }
        }
        guard attributes.count <= 200 else { throw NGSIError(.badRequestData, "An entity has at most 200 attributes.") }
        let context = members["@context"] ?? linkContext.map { JSONValue.string($0) }
        return Parsed(entity: NGSIEntity(id: id, type: type, attributes: attributes, context: context), refused: refused)
    }

    private func isReadingProblem(_ error: NGSIError) -> Bool { error.detail.hasPrefix(Self.readingMark) }
    static let readingMark = "Reading refused: "

    /// One attribute in normalised form. A bare value is a Property (the concise form of NGSI-LD 1.6).
    public func attribute(_ name: String, _ raw: JSONValue, ofType entityType: String) throws(NGSIError) -> JSONValue {
        guard var members = raw.object else {
            if case .null = raw { throw NGSIError(.badRequestData, "Attribute '\(name)' is null.") }
            return try attribute(name, .object(["type": .string("Property"), "value": raw]), ofType: entityType)
        }
        guard let kind = members["type"]?.string else {
            throw NGSIError(.badRequestData, "Attribute '\(name)' has no 'type' (Property, GeoProperty or Relationship).")
        }
        for system in Self.systemNames { members[system] = nil }
        if members["datasetId"] != nil {
            throw NGSIError(.operationNotSupported, "Attribute '\(name)' has a datasetId; this broker keeps one instance per attribute.")
        }
        switch kind {
        case "Property":
            guard let value = members["value"], value != .null, members["object"] == nil else {
                throw NGSIError(.badRequestData, "Property '\(name)' needs a 'value' (and no 'object').")
            }
            if SensorVocabulary.expectsNumber(name, in: entityType), value.number == nil {
                throw NGSIError(.badRequestData, "\(Self.readingMark)'\(name)' of a \(entityType) is a number; got \(NGSINames.shown(value.jsonText)).")
            }
        case "GeoProperty":
            guard members["object"] == nil else { throw NGSIError(.badRequestData, "GeoProperty '\(name)' has an 'object'.") }
            try GeoJSONCheck.check(members["value"], attribute: name)
        case "Relationship":
            guard let object = members["object"], Self.isObjectReference(object), members["value"] == nil else {
                throw NGSIError(.badRequestData, "Relationship '\(name)' needs an 'object': a URI or a list of URIs.")
            }
        default:
            throw NGSIError(.badRequestData, "Attribute '\(name)' is of type '\(NGSINames.shown(kind))'; expected Property, GeoProperty or Relationship.")
        }
        if let observed = members["observedAt"] {
            guard let text = observed.string, let instant = NGSITime.parse(text) else {
                throw NGSIError(.badRequestData, "\(Self.readingMark)'\(name)' has an observedAt that is not an ISO 8601 date-time.")
            }
            guard instant <= now.addingTimeInterval(Self.futureTolerance) else {
                throw NGSIError(.badRequestData, "\(Self.readingMark)'\(name)' was observed at \(text), in the future.")
            }
            guard instant >= Self.earliest else { throw NGSIError(.badRequestData, "\(Self.readingMark)'\(name)' was observed before 2000.") }
        }
        if let unit = members["unitCode"], !(unit.string.map { !$0.isEmpty && $0.utf8.count <= 16 } ?? false) {
            throw NGSIError(.badRequestData, "Attribute '\(name)' has a unitCode that is not a short code (UN/CEFACT, e.g. GQ).")
        }
        for (key, value) in members where !Self.attributeKeys.contains(key) {
            guard NGSINames.isName(key), value.object?["type"] != nil || key == "@context" else {
                throw NGSIError(.badRequestData, "Attribute '\(name)' has '\(NGSINames.shown(key))', which is neither a known member nor a sub-attribute.")
            }
            if key != "@context" { members[key] = try attribute("\(name).\(key)", value, ofType: "") }
        }
        return .object(members)
    }

    static let attributeKeys: Set<String> = ["type", "value", "object", "observedAt", "unitCode", "@context"]

    static func isObjectReference(_ value: JSONValue) -> Bool {
        if let text = value.string { return NGSINames.isURI(text) }
        if let list = value.array { return !list.isEmpty && list.count <= 100 && list.allSatisfy { $0.string.map(NGSINames.isURI) ?? false } }
        return false
    }
}
