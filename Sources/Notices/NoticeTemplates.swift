import Foundation
import Mustache
import Platform

/// The words of every notice in Vietnamese and English (`Resources/notice-templates.json`), rendered with Mustache.
public struct NoticeTemplates: Sendable {
    struct Text: Codable, Sendable {
        var subject: String
        var body: String
    }

    private let templates: [String: [String: Text]]

    public init() throws {
        guard let url = Bundle.module.url(forResource: "notice-templates", withExtension: "json") else {
            throw ConfigurationError(problems: [ConfigProblem(key: "notice-templates.json", message: "missing from the build")])
        }
        templates = try JSONDecoder().decode([String: [String: Text]].self, from: Data(contentsOf: url))
        for (key, languages) in templates where languages["vi"] == nil || languages["en"] == nil {
            throw ConfigurationError(problems: [ConfigProblem(key: "notice-templates.json", message: "'\(key)' needs both vi and en")])
        }
    }

    public func has(_ key: String) -> Bool { templates[key] != nil }

    /// A notice names a template these resources do not have: it cannot be shown or sent with empty words.
    public struct UnknownTemplate: Error, CustomStringConvertible {
        public var key: String
        public var description: String { "no notice template '\(key)'" }
    }

    /// Subject and body in `language` (Vietnamese when the language is unknown); an unknown template throws.
    public func render(_ key: String, data: [String: String], language: String) throws -> (subject: String, body: String) {
        guard let text = templates[key]?[language] ?? templates[key]?["vi"] else { throw UnknownTemplate(key: key) }
        // Plain text, not HTML: an email, a phone's notification or a page (which escapes it itself) shows "&" as "&".
        let plain = "{{% CONTENT_TYPE: TEXT}}"
        return (try MustacheTemplate(string: plain + text.subject).render(data), try MustacheTemplate(string: plain + text.body).render(data))
    }
}
