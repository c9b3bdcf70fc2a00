import Foundation

/// Checks a JSON value against a schema of an OpenAPI 3.1 document (the JSON Schema subset the document uses:
/// `$ref`, `type` (with `null`), `properties`, `required`, `items`, `enum`, `const`, `additionalProperties`, `allOf`,
/// `anyOf`, `oneOf`). Returns every mismatch with its path, so a test can say where a response left its contract.
public struct SchemaValidator {
    let components: [String: Any]

    public init(document: [String: Any]) {
        components = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
    }

    public func errors(_ value: Any, against schema: [String: Any], at path: String = "$", depth: Int = 0) -> [String] {
        guard depth < 64 else { return ["\(path): schema nests too deep"] }
        if let reference = schema["$ref"] as? String {
            let name = reference.replacingOccurrences(of: "#/components/schemas/", with: "")
            guard let target = components[name] as? [String: Any] else { return ["\(path): unknown $ref \(reference)"] }
            return errors(value, against: target, at: path, depth: depth + 1)
        }
        var found: [String] = []
        if let all = schema["allOf"] as? [[String: Any]] { for part in all { found += errors(value, against: part, at: path, depth: depth + 1) } }
        for key in ["anyOf", "oneOf"] {
            if let options = schema[key] as? [[String: Any]], !options.contains(where: { errors(value, against: $0, at: path, depth: depth + 1).isEmpty }) {
                found.append("\(path): matches none of its \(key) alternatives")
            }
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { Self.equal($0, value) }) { found.append("\(path): \(value) is not in enum") }
        if let constant = schema["const"], !Self.equal(constant, value) { found.append("\(path): \(value) is not \(constant)") }
        let types = (schema["type"] as? String).map { [$0] } ?? (schema["type"] as? [String]) ?? []
        if !types.isEmpty, !types.contains(where: { Self.matches(value, type: $0) }) {
            return found + ["\(path): \(Self.describe(value)) where the contract says \(types.joined(separator: " or "))"]
        }
        if let object = value as? [String: Any] { found += objectErrors(object, schema, path, depth) }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { found += errors(item, against: items, at: "\(path)[\(index)]", depth: depth + 1) }
        }
        return found
    }

    private func objectErrors(_ object: [String: Any], _ schema: [String: Any], _ path: String, _ depth: Int) -> [String] {
        var found: [String] = []
        let properties = schema["properties"] as? [String: Any] ?? [:]
        for name in schema["required"] as? [String] ?? [] where object[name] == nil { found.append("\(path).\(name): required but missing") }
        for (name, item) in object {
            if let property = properties[name] as? [String: Any] {
                found += errors(item, against: property, at: "\(path).\(name)", depth: depth + 1)
            } else if let extra = schema["additionalProperties"] as? [String: Any] {
                found += errors(item, against: extra, at: "\(path).\(name)", depth: depth + 1)
            } else if schema["additionalProperties"] as? Bool == false {
                found.append("\(path).\(name): not in the contract")
            }
        }
        return found
    }

    static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "boolean": return isBool(value)
        case "integer": return !isBool(value) && (value as? NSNumber).map { $0.doubleValue == $0.doubleValue.rounded() } == true
        case "number": return !isBool(value) && value is NSNumber
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return true
        }
    }

    static func isBool(_ value: Any) -> Bool {
        // JSONSerialization gives booleans as NSNumbers of type "c" (char); numbers are "q" or "d".
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func equal(_ a: Any, _ b: Any) -> Bool { "\(a)" == "\(b)" }

    static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return isBool(value) ? "a boolean" : "a number"
        }
    }
}
