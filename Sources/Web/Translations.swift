import Foundation
import Platform

/// The interface's words in Vietnamese (the default) and English, from `Resources/i18n/*.json`.
public struct Translations: Sendable {
    public static let languages = ["vi", "en"]
    private let tables: [String: [String: String]]

    public init() throws {
        var tables: [String: [String: String]] = [:]
        for language in Self.languages {
            guard let url = Bundle.module.url(forResource: "i18n/\(language)", withExtension: "json") else {
                throw ConfigurationError(problems: [ConfigProblem(key: "i18n", message: "missing translations for \(language)")])
            }
            tables[language] = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: url))
        }
        let keys = Set(tables.values.flatMap(\.keys))
        for (language, table) in tables {
            let missing = keys.subtracting(table.keys)
            if !missing.isEmpty {
                throw ConfigurationError(problems: [ConfigProblem(key: "i18n/\(language).json", message: "missing keys: \(missing.sorted().joined(separator: ", "))")])
            }
        }
        self.tables = tables
    }

    public func table(for language: String) -> [String: String] { tables[language] ?? tables["vi"] ?? [:] }

    public func text(_ key: String, language: String) -> String { table(for: language)[key] ?? key }
}
