import Foundation
import Platform

/// The served OpenAPI document: the platform's own part (App's `openapi.json`: info, security, shared schemas, the
/// audit API) and each module's (`paths` and `components.schemas`), merged at start, so a module's API is documented
/// exactly when the module is part of the platform.
enum OpenAPIDocument {
    static func merged(_ modules: [any PlatformModule]) throws -> Data {
        guard let baseURL = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw ConfigurationError(problems: [ConfigProblem(key: "openapi.json", message: "missing from the build")])
        }
        var document = try object(Data(contentsOf: baseURL), source: "App")
        var paths = document["paths"] as? [String: Any] ?? [:]
        var components = document["components"] as? [String: Any] ?? [:]
        var schemas = components["schemas"] as? [String: Any] ?? [:]
        for module in modules {
            guard let file = module.resources?.openAPI, FileManager.default.fileExists(atPath: file.path) else { continue }
            let part = try object(Data(contentsOf: file), source: module.name)
            for (path, operations) in part["paths"] as? [String: Any] ?? [:] {
                guard paths[path] == nil else { throw problem("\(module.name) documents \(path), which another module documents too") }
                paths[path] = operations
            }
            for (name, schema) in (part["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:] {
                guard schemas[name] == nil else { throw problem("\(module.name) defines the schema \(name), which is already defined") }
                schemas[name] = schema
            }
        }
        components["schemas"] = schemas
        document["components"] = components
        document["paths"] = paths
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    static func object(_ data: Data, source: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw problem("\(source)'s openapi.json is not an object") }
        return object
    }

    static func problem(_ message: String) -> ConfigurationError {
        ConfigurationError(problems: [ConfigProblem(key: "openapi.json", message: message)])
    }
}
