import Foundation
import Hummingbird
import Platform
import Web

/// The sign-in page, sign-out and the "my account" page for browsers.
public struct AccountPages: Sendable {
    let accounts: AccountDirectory
    let sessions: WebSessions
    let orgTree: OrgTree
    let renderer: PageRenderer
    let limiter: RateLimiter
    let secureCookies: Bool
    let nationalIdentityName: String?
    /// The services the person allowed to use their account, listed with a way to withdraw.
    var consents: ServiceConsents?

    public init(accounts: AccountDirectory, sessions: WebSessions, orgTree: OrgTree, renderer: PageRenderer, limiter: RateLimiter,
                secureCookies: Bool, nationalIdentityName: String? = nil) {
        self.nationalIdentityName = nationalIdentityName
        self.accounts = accounts
        self.sessions = sessions
        self.orgTree = orgTree
        self.renderer = renderer
        self.limiter = limiter
        self.secureCookies = secureCookies
    }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/login", access: .everyone, kind: .page, summary: "Sign-in page", use: loginForm)
        routes.on(.post, "/login", access: .everyone, kind: .page, summary: "Sign in from the page", use: login)
        routes.on(.post, "/logout", access: .signedIn, kind: .page, summary: "Sign out of the browser session", use: logout)
        routes.on(.get, "/account", access: .signedIn, kind: .page, summary: "My account", use: account)
    }

    @Sendable func loginForm(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let next = PageRenderer.safeRedirectTarget(request.uri.queryParameters.get("next"), fallback: "/account")
        // Signed in already: carry on, unless a service asked to see the password again (prompt=login, max_age).
        if context.principal != nil, request.uri.queryParameters.get("reauth") != "1" { return redirect(to: next) }
        return try form(context: context, request: request, next: next, username: "", error: nil, status: .ok)
    }

    @Sendable func login(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let fields = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        let username = fields["username"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = fields["password"] ?? ""
        let next = PageRenderer.safeRedirectTarget(fields["next"], fallback: "/account")
        let words = renderer.translations
        var attempt = limiter.take("sign-in:\(context.clientAddress)")
        if attempt.allowed { attempt = limiter.take(String("sign-in-account:\(username.lowercased())".prefix(200))) }
        guard attempt.allowed else {
            var response = try form(context: context, request: request, next: next, username: username,
                                    error: words.text("login_slow_down", language: context.language), status: .tooManyRequests)
            response.headers[.retryAfter] = String(attempt.retryAfterSeconds)
            return response
        }
        guard !username.isEmpty, !password.isEmpty else {
            return try form(context: context, request: request, next: next, username: username,
                            error: words.text("login_missing", language: context.language), status: .badRequest)
        }
        let account: Account
        do {
            account = try await IdentityAPI.signIn(accounts, username: username, password: password, logger: context.logger)
        } catch let problem as Problem {
            let key = switch problem.status.code {
            case 429: "login_locked"
            case 403: "login_disabled"
            default: "login_failed"
            }
            var response = try form(context: context, request: request, next: next, username: username,
                                    error: words.text(key, language: context.language), status: problem.status)
            if let retry = problem.headers[.retryAfter] { response.headers[.retryAfter] = retry }
            return response
        }
        let cookie = try await sessions.start(for: account, logger: context.logger)
        var response = redirect(to: next)
        response.setCookie(Cookie(name: WebSessions.cookieName, value: cookie, maxAge: sessions.lifetimeSeconds, path: "/",
                                  secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    @Sendable func logout(_ request: Request, context: HuesRequestContext) async throws -> Response {
        if case .session(let id, _) = context.principal?.credential {
            try await sessions.end(sessionID: id, logger: context.logger)
        }
        var response = redirect(to: "/")
        response.setCookie(Cookie(name: WebSessions.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true,
                                  sameSite: .lax))
        return response
    }

    @Sendable func account(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let id = UUID(uuidString: principal.accountID), let account = try await accounts.find(id: id, logger: context.logger) else {
            throw Problem.unauthorized()
        }
        let words = renderer.translations.table(for: context.language)
        var roles: [[String: Any]] = []
        for grant in account.roles {
            var row: [String: Any] = ["roleName": words["role_\(grant.role.rawValue)"] ?? grant.role.rawValue]
            if let code = grant.unitCode, let unit = try await orgTree.unit(code, logger: context.logger) {
                row["unitName"] = context.language == "en" ? (unit.nameEn ?? unit.name) : unit.name
            }
            roles.append(row)
        }
        var facts: [String: Any] = ["displayName": account.displayName, "username": account.username]
        if let email = account.email { facts["email"] = email }
        if let phone = account.phone { facts["phone"] = phone }
        // Staff accounts are closed by an administrator; citizens and businesses may erase their own.
        let mayErase = !principal.grants.isEmpty && principal.grants.allSatisfy { [.citizen, .business].contains($0.role) }
        let granted = principal.clientID == nil ? try await consents?.list(accountID: principal.accountID, logger: context.logger) ?? [] : []
        let services = granted.map { consent -> [String: Any] in
            ["clientId": consent.clientId, "service": consent.service, "scopes": consent.scopes.joined(separator: ", "),
             "grantedAt": renderer.clock.text(consent.grantedAt)]
        }
        return try renderer.page("account", title: "account_title", context: context,
                                 values: ["account": facts, "roles": roles, "mayErase": mayErase, "services": services])
    }

    private func form(context: HuesRequestContext, request: Request, next: String, username: String, error: String?,
                      status: HTTPResponse.Status) throws -> Response {
        // Double-submit cookie: before there is a session, the form proves it came from us by echoing this value.
        let csrf = request.cookies[SecuredRouter.csrfCookie]?.value ?? TokenGenerator.make(bytes: 24)
        var values: [String: Any] = ["next": next, "username": username]
        if nationalIdentityName != nil {
            values["vneidURL"] = "/login/vneid?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        if let error { values["error"] = error }
        var response = try renderer.page("login", title: "login_title", context: context, values: values, csrfToken: csrf, status: status)
        response.setCookie(Cookie(name: SecuredRouter.csrfCookie, value: csrf, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    private func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}
