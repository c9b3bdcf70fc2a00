import Platform

/// One line of ECS NDJSON (`{"@timestamp": …, "event": {"category": ["malware"], "type": ["denied"]}, …}`), as
/// agents post it over HTTP: a JSON object, read strictly (duplicate names, U+0000 and deep nesting refused) and
/// flattened to dotted names (`event.category`), the form detection rules name fields in.
public enum ECSLine {
    public static let maximumBytes = SyslogParser.maximumBytes
    public static let maximumFields = 1_000
    public static let maximumDepth = 16

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public let offset: Int
        public var description: String { "\(reason) (at byte \(offset))" }
    }

    /// The line's fields by dotted name; a list stays a list (of scalars; objects inside lists are dropped, as rules
    /// cannot name them).
    public static func parse(_ line: [UInt8]) throws(Failure) -> [String: JSONValue] {
        guard line.count <= maximumBytes else { throw Failure(reason: "longer than \(maximumBytes) bytes", offset: maximumBytes) }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line, maximumDepth: maximumDepth)
        } catch {
            throw Failure(reason: error.reason, offset: error.offset)
        }
        guard let object = value.object else { throw Failure(reason: "an ECS event is a JSON object", offset: 0) }
        var fields: [String: JSONValue] = [:]
        try flatten(object, prefix: "", into: &fields)
        return fields
    }

    private static func flatten(_ object: [String: JSONValue], prefix: String, into fields: inout [String: JSONValue]) throws(Failure) {
        for (name, value) in object {
            let key = prefix.isEmpty ? name : prefix + "." + name
            switch value {
            case .object(let inner): try flatten(inner, prefix: key, into: &fields)
            case .array(let items): try put(key, .array(items.filter { $0.object == nil && $0.array == nil }), into: &fields)
            default: try put(key, value, into: &fields)
            }
        }
    }

    private static func put(_ key: String, _ value: JSONValue, into fields: inout [String: JSONValue]) throws(Failure) {
        guard fields.count < maximumFields else { throw Failure(reason: "more than \(maximumFields) fields", offset: 0) }
        // `{"a.b": 1, "a": {"b": 2}}` names one field twice: refused rather than one silently winning.
        guard fields.updateValue(value, forKey: key) == nil else { throw Failure(reason: "the field \(key.prefix(64)) is given twice", offset: 0) }
    }
}
