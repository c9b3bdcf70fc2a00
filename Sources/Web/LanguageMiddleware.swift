import Hummingbird
import Platform

/// Chooses the page language: the `hues_lang` cookie (set by the language switch), else the browser's
/// Accept-Language, else Vietnamese.
public struct LanguageMiddleware: RouterMiddleware {
    public typealias Context = HuesRequestContext
    public static let cookieName = "hues_lang"

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.language = Self.language(for: request)
        return try await next(request, context)
    }

    static func language(for request: Request) -> String {
        if let chosen = request.cookies[cookieName]?.value, Translations.languages.contains(chosen) { return chosen }
        return request.headers[.acceptLanguage].map(language(acceptLanguage:)) ?? "vi"
    }

    /// The first of our languages the browser names; any header, however broken (`;`, `,;,`), gives an answer.
    package static func language(acceptLanguage accept: String) -> String {
        for part in accept.split(separator: ",").prefix(32) {
            let tag = part.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
            if tag.hasPrefix("vi") { return "vi" }
            if tag.hasPrefix("en") { return "en" }
        }
        return "vi"
    }
}
