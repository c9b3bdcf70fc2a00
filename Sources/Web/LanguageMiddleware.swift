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
        if let accept = request.headers[.acceptLanguage] {
            for part in accept.split(separator: ",") {
                let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
                if tag.hasPrefix("vi") { return "vi" }
                if tag.hasPrefix("en") { return "en" }
            }
        }
        return "vi"
    }
}
