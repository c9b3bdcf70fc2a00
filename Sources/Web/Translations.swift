import Foundation
import Platform

/// The interface's words in Vietnamese (the default) and English: each module's `i18n/*.json`, merged.
public struct Translations: Sendable {
    public static let languages = ["vi", "en"]
    private let tables: [String: [String: String]]

    public init(tables: [String: [String: String]]) {
        self.tables = tables
    }

    /// Every module's words; a word two modules define, or one a language lacks, is a configuration error.
    public init(_ resources: [ModuleResources]) throws {
        var tables: [String: [String: String]] = [:]
        var problems: [ConfigProblem] = []
        for resource in resources {
            for language in Self.languages {
                let file = resource.translations.appendingPathComponent("\(language).json")
                guard FileManager.default.fileExists(atPath: file.path) else { continue }
                let words = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: file))
                for (key, text) in words {
                    if tables[language]?[key] != nil { problems.append(ConfigProblem(key: "i18n", message: "the word '\(key)' is defined twice (\(file.path))")) }
                    tables[language, default: [:]][key] = text
                }
            }
        }
        let keys = Set(tables.values.flatMap(\.keys))
        for language in Self.languages {
            let missing = keys.subtracting(tables[language].map { Set($0.keys) } ?? [])
            if !missing.isEmpty { problems.append(ConfigProblem(key: "i18n/\(language).json", message: "missing keys: \(missing.sorted().joined(separator: ", "))")) }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        self.tables = tables
    }

    public func table(for language: String) -> [String: String] { tables[language] ?? tables["vi"] ?? [:] }

    public func text(_ key: String, language: String) -> String { table(for: language)[key] ?? key }
}
