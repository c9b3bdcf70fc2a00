import Foundation
import Hummingbird
import Mustache
import Platform

/// Renders server-side pages: Mustache templates inside the shared layout, with the words of the page language.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    public let translations: Translations

    public init() async throws {
        guard let folder = Bundle.module.resourcePath.map({ $0 + "/templates" }) else {
            throw ConfigurationError(problems: [ConfigProblem(key: "templates", message: "page templates are missing from the build")])
        }
        self.library = try await MustacheLibrary(directory: folder)
        self.translations = try Translations()
    }

    /// A rendered page. `values` are the page's own fields; the layout's fields (language, words, the signed-in
    /// person, the CSRF token for forms) are added here.
    public func page(
        _ template: String, title: String, context: HuesRequestContext, values: [String: Any] = [:], csrfToken: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var object = values
        let language = context.language
        let words = translations.table(for: language)
        object["t"] = words
        object["lang"] = language
        object["langIsVi"] = language == "vi"
        object["title"] = words[title] ?? title
        if let principal = context.principal {
            object["user"] = ["displayName": principal.displayName, "username": principal.username,
                              "isStaff": principal.has(.officer) || principal.has(.unitLeader),
                              "isOperator": principal.has(.iocOperator)] as [String: Any]
        }
        if let csrf = csrfToken ?? Self.sessionCSRF(context) { object["csrf"] = csrf }
        guard let html = library.render(object, withTemplate: template) else {
            throw Problem.internal()
        }
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentLanguage: language],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func sessionCSRF(_ context: HuesRequestContext) -> String? {
        if case .session(_, let csrf) = context.principal?.credential { return csrf }
        return nil
    }

    /// Only same-site paths may be redirect targets, so `?next=` cannot send people to another site.
    ///
    /// Browsers drop tabs and line breaks from URLs and read `\` as `/`, so `/\t/evil.example` becomes
    /// `//evil.example`: a target must be printable ASCII without `\`, start with one `/`, and parse as a relative URL
    /// with neither scheme nor host.
    public static func safeRedirectTarget(_ next: String?, fallback: String) -> String {
        guard let next, next.utf8.count <= 2048, next.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }),
              next.hasPrefix("/"), !next.hasPrefix("//"),
              let components = URLComponents(string: next), components.scheme == nil, components.host == nil, components.path.hasPrefix("/")
        else { return fallback }
        return next
    }
}
