import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import Platform
import Synchronization

/// Renders server-side pages: Mustache templates inside the shared layout, with the words of the page language and
/// the navigation the modules declare.
///
/// Built empty, then filled once with every module's pages and translations (`install`), before the server serves:
/// modules are built with the renderer, and the renderer needs the modules' resources.
public final class PageRenderer: Sendable {
    private struct Installed: Sendable {
        var library: MustacheLibrary
        var translations: Translations
        var chrome: SiteChrome
    }

    private let installed = Mutex<Installed?>(nil)
    /// How the city reads dates and money on pages.
    public let clock: CityClock

    public init(timeZone: TimeZone) {
        self.clock = CityClock(timeZone: timeZone)
    }

    /// Loads the templates (`pages/*.mustache`) and translations (`i18n/*.json`) of every module, with the navigation,
    /// tasks and page scripts they declare. Two modules with a page or a word of the same name are a configuration
    /// error naming both.
    public func install(_ resources: [ModuleResources], chrome: SiteChrome) async throws {
        let library = try PageLibrary.load(resources)
        let translations = try Translations(resources)
        installed.withLock { $0 = Installed(library: library, translations: translations, chrome: chrome) }
    }

    /// What the modules declared for every page (empty before `install`).
    public var chrome: SiteChrome { installed.withLock { $0?.chrome } ?? SiteChrome() }

    /// The words of every installed module (empty before `install`).
    public var translations: Translations { installed.withLock { $0?.translations } ?? Translations(tables: [:]) }

    /// A rendered page. `values` are the page's own fields; the layout's fields (language, words, the signed-in
    /// person, the navigation, the CSRF token for forms) are added here.
    public func page(
        _ template: String, title: String, context: HuesRequestContext, values: [String: Any] = [:], csrfToken: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        guard let installed = installed.withLock({ $0 }) else { throw Problem.internal() }
        var object = values
        let language = context.language
        let words = installed.translations.table(for: language)
        object["t"] = words
        object["lang"] = language
        object["langIsVi"] = language == "vi"
        object["title"] = words[title] ?? title
        object["nav"] = installed.chrome.navigation.filter { $0.access.allows(context.principal) }.map { ["path": $0.path, "label": words[$0.label] ?? $0.label] }
        let tasks = installed.chrome.tasks(for: context.principal)
        object["tasks"] = tasks.map { ["path": $0.path, "label": words[$0.label] ?? $0.label, "drawing": SiteChrome.drawing($0.icon)] }
        object["hasTasks"] = !tasks.isEmpty
        object["scripts"] = installed.chrome.pageScripts
        if let map = installed.chrome.map {
            object["interactiveMap"] = ["tiles": map.tiles ?? "", "attribution": map.attribution]
        }
        if let principal = context.principal {
            object["user"] = ["displayName": principal.displayName, "username": principal.username] as [String: Any]
        }
        if let csrf = csrfToken ?? Self.sessionCSRF(context) { object["csrf"] = csrf }
        guard let html = installed.library.render(object, withTemplate: template) else {
            throw Problem.internal()
        }
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentLanguage: language]
        // Whom the page shows (a hash, not the account): the service worker keeps offline copies per person.
        if let principal = context.principal { headers[Self.viewerHeader] = SHA256.hash(data: Data(principal.accountID.utf8)).prefix(8).hexString }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let viewerHeader = HTTPField.Name("Hues-Viewer")!

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

/// The page templates of every module in one Mustache library (so a module's page can extend the shared layout).
enum PageLibrary {
    static func load(_ resources: [ModuleResources]) throws -> MustacheLibrary {
        var library = MustacheLibrary()
        var origin: [String: String] = [:]
        for resource in resources {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: resource.pages.path)) ?? []
            for file in files.sorted() where file.hasSuffix(".mustache") {
                let name = String(file.dropLast(".mustache".count))
                if let earlier = origin[name] {
                    throw ConfigurationError(problems: [ConfigProblem(key: "pages", message: "two modules ship the page '\(name)': \(earlier) and \(resource.folder.path)")])
                }
                origin[name] = resource.folder.path
                try library.register(String(contentsOf: resource.pages.appendingPathComponent(file), encoding: .utf8), named: name)
            }
        }
        return library
    }
}

/// The Web module's own resources: the layout, the home and message pages, the shared words, the stylesheet.
public enum WebResources {
    public static var shared: ModuleResources? { ModuleResources(bundle: .module) }
}
