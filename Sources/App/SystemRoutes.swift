import Foundation
import Hummingbird
import Platform
import Prometheus
import Web

/// Health, metrics, the API contract, the home page and the language switch.
struct SystemRoutes: Sendable {
    let database: PlatformDatabase
    let registry: PrometheusCollectorRegistry
    let renderer: PageRenderer
    let openAPIDocument: Data
    /// The modules in this platform, so the home page offers only what is there.
    let sections: Set<String>

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/health/live", access: .everyone, kind: .system, summary: "Liveness: the process answers") { _, _ in
            JSONResponse(["status": "ok"])
        }
        routes.on(.get, "/health", access: .everyone, kind: .system, summary: "Readiness: the process and its database") { _, context in
            let started = ContinuousClock.now
            do {
                try await database.ping(logger: context.logger)
                let milliseconds = Double(started.duration(to: .now).components.attoseconds) / 1e15
                return JSONResponse(Health(status: "ok", checks: ["database": .init(status: "ok", kind: database.kind.rawValue,
                                                                                      latencyMilliseconds: (milliseconds * 100).rounded() / 100)]))
            } catch {
                context.logger.error("health check failed", metadata: ["error": "\(error)"])
                return JSONResponse(Health(status: "unavailable", checks: ["database": .init(status: "unreachable", kind: database.kind.rawValue)]),
                                    status: .serviceUnavailable, headers: [.retryAfter: "5"])
            }
        }
        routes.on(.get, "/metrics", access: .everyone, kind: .system, summary: "Prometheus metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        routes.on(.get, "/openapi.json", access: .everyone, kind: .system, summary: "OpenAPI 3.1 contract of /api/v1") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
        }
        routes.on(.get, "/", access: .everyone, kind: .page, summary: "Home page") { _, context in
            var values: [String: Any] = ["publicServices": sections.contains("public-services"), "fieldReports": sections.contains("field-reports"),
                                         "payments": sections.contains("payments")]
            if let principal = context.principal { values["displayName"] = principal.displayName }
            return try renderer.page("home", title: "home_title", context: context, values: values)
        }
        routes.on(.get, "/lang/:code", access: .everyone, kind: .page, summary: "Switch the page language") { request, context in
            let code = context.parameters.get("code") ?? "vi"
            guard Translations.languages.contains(code) else { throw Problem.notFound("Unknown language.") }
            var target = "/"
            // The path as sent (still percent-encoded): a decoded `%09` would turn `/%09/evil.example` into another site.
            if let referer = request.headers[.referer], let url = URLComponents(string: referer),
               url.host == nil || url.host == request.head.authority?.split(separator: ":").first.map(String.init) {
                target = PageRenderer.safeRedirectTarget(url.percentEncodedPath + (url.percentEncodedQuery.map { "?\($0)" } ?? ""), fallback: "/")
            }
            var response = Response(status: .seeOther, headers: [.location: target, .cacheControl: "no-store"])
            response.setCookie(Cookie(name: LanguageMiddleware.cookieName, value: code, maxAge: 365 * 86_400, path: "/", httpOnly: false, sameSite: .lax))
            return response
        }
    }

    struct Health: Codable, Sendable {
        struct Check: Codable, Sendable {
            var status: String
            var kind: String
            var latencyMilliseconds: Double?
        }

        var status: String
        var checks: [String: Check]
    }
}
