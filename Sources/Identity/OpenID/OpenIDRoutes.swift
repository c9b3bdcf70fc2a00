import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Platform
import Web

/// The OpenID Connect provider's HTTP face: discovery, keys, authorize (with sign-in and consent pages), token,
/// userinfo, revocation and RP-initiated logout.
public struct OpenIDRoutes: Sendable {
    let provider: OpenIDProvider
    let sessions: WebSessions
    let renderer: PageRenderer
    let limiter: RateLimiter
    let secureCookies: Bool
    let offersNationalIdentity: Bool

    public init(provider: OpenIDProvider, sessions: WebSessions, renderer: PageRenderer, limiter: RateLimiter, secureCookies: Bool,
                offersNationalIdentity: Bool = false) {
        self.offersNationalIdentity = offersNationalIdentity
        self.provider = provider
        self.sessions = sessions
        self.renderer = renderer
        self.limiter = limiter
        self.secureCookies = secureCookies
    }

    var issuer: String { provider.tokens.issuer }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/.well-known/openid-configuration", access: .everyone, kind: .system, summary: "OpenID Connect discovery", use: discovery)
        routes.on(.get, "/oauth2/jwks", access: .everyone, kind: .system, summary: "Signing keys (JWK Set)") { _, _ in
            JSONResponse(provider.tokens.jwks(), headers: [.cacheControl: "public, max-age=300"])
        }
        routes.on(.get, "/oauth2/authorize", access: .everyone, kind: .page, summary: "Authorization endpoint", use: authorize)
        routes.on(.post, "/oauth2/authorize", access: .signedIn, kind: .page, summary: "Consent decision", use: decide)
        routes.on(.post, "/oauth2/token", access: .ownCredential("client"), kind: .system, summary: "Token endpoint", use: token)
        routes.on(.get, "/oauth2/userinfo", access: .ownCredential("relying-party access token"), kind: .system, summary: "UserInfo endpoint", use: userinfo)
        routes.on(.post, "/oauth2/userinfo", access: .ownCredential("relying-party access token"), kind: .system, summary: "UserInfo endpoint (POST)", use: userinfo)
        routes.on(.post, "/oauth2/revoke", access: .ownCredential("client"), kind: .system, summary: "Token revocation (RFC 7009)", use: revoke)
        routes.on(.get, "/oauth2/logout", access: .everyone, kind: .page, summary: "RP-initiated logout", use: logout)
        routes.on(.post, "/oauth2/logout", access: .everyone, kind: .page, summary: "Confirm signing out", use: confirmLogout)
    }

    // MARK: Discovery

    struct Discovery: Codable, Sendable {
        var issuer: String
        var authorization_endpoint: String
        var token_endpoint: String
        var userinfo_endpoint: String
        var jwks_uri: String
        var end_session_endpoint: String
        var revocation_endpoint: String
        var response_types_supported = ["code"]
        var response_modes_supported = ["query"]
        var grant_types_supported = ["authorization_code", "refresh_token"]
        var subject_types_supported = ["public"]
        var id_token_signing_alg_values_supported = ["ES256"]
        var token_endpoint_auth_methods_supported = ["client_secret_basic", "client_secret_post", "none"]
        var revocation_endpoint_auth_methods_supported = ["client_secret_basic", "client_secret_post", "none"]
        var code_challenge_methods_supported = ["S256"]
        var scopes_supported = OpenIDScopes.standard + OpenIDScopes.platform
        var claims_supported = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "name",
                                "preferred_username", "email", "email_verified", "phone_number"]
        var acr_values_supported = Assurance.allCases.map(\.rawValue)
        var prompt_values_supported = ["none", "login", "consent"]
        var authorization_response_iss_parameter_supported = true
        var ui_locales_supported = ["vi", "en"]
    }

    @Sendable func discovery(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Discovery> {
        JSONResponse(Discovery(
            issuer: issuer, authorization_endpoint: issuer + "/oauth2/authorize", token_endpoint: issuer + "/oauth2/token",
            userinfo_endpoint: issuer + "/oauth2/userinfo", jwks_uri: issuer + "/oauth2/jwks", end_session_endpoint: issuer + "/oauth2/logout",
            revocation_endpoint: issuer + "/oauth2/revoke"
        ), headers: [.cacheControl: "public, max-age=300"])
    }

    // MARK: Authorize

    @Sendable func authorize(_ request: Request, context: HuesRequestContext) async throws -> Response {
        // Form encoding ('+' for spaces), which is how OAuth clients build the query.
        try await handle(fields: FormFields(request.uri.query ?? "").values, request: request, context: context, decision: nil)
    }

    @Sendable func decide(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        return try await handle(fields: form.values, request: request, context: context, decision: form["decision"] ?? "deny")
    }

    private func handle(fields: [String: String], request: Request, context: HuesRequestContext, decision: String?) async throws -> Response {
        let authorization: AuthorizationRequest
        do {
            authorization = try await AuthorizationRequest.parse(fields, clients: provider.clients, logger: context.logger)
        } catch AuthorizationRequest.Failure.shown(let reason) {
            return try message(title: "oauth_error_title", text: reason, context: context, status: .badRequest)
        } catch AuthorizationRequest.Failure.redirected(let uri, let error, let description, let state) {
            return errorRedirect(uri, error, description, state)
        }
        let errorBack = { (error: String, description: String) in
            errorRedirect(authorization.redirectURI, error, description, authorization.state)
        }
        let maxAge = fields["max_age"].flatMap(Int.init)
        let tooOld = maxAge.map { age in (context.principal?.authTime).map { Date().timeIntervalSince($0) > Double(age) } ?? true } ?? false
        guard let principal = context.principal, case .session = principal.credential, authorization.prompt != "login", !tooOld else {
            if authorization.prompt == "none" { return errorBack("login_required", "the user is not signed in") }
            var reauth = authorization
            reauth.prompt = nil
            let next = "/oauth2/authorize?" + reauth.queryString
            let reauthenticate = context.principal != nil ? "reauth=1&" : ""
            return redirect("/login?\(reauthenticate)next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        if let required = authorization.client.minimumACR.flatMap(Assurance.init(rawValue:)),
           Assurance.from(principal.acr).level < required.level {
            if authorization.prompt == "none" { return errorBack("login_required", "a stronger sign-in is required") }
            var values: [String: Any] = ["heading": renderer.translations.text("oauth_assurance_title", language: context.language),
                                         "text": renderer.translations.text("oauth_assurance_text", language: context.language)]
            if offersNationalIdentity {
                let back = "/oauth2/authorize?" + authorization.queryString
                values["actionURL"] = "/login/vneid?next=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                values["actionText"] = renderer.translations.text("login_with_vneid", language: context.language)
            }
            return try renderer.page("message", title: "oauth_assurance_title", context: context, values: values, status: .forbidden)
        }
        if decision == "deny" { return errorBack("access_denied", "the user declined") }
        if decision == "allow" {
            try await provider.recordConsent(principal, for: authorization, logger: context.logger)
        } else if authorization.prompt == "consent" {
            return try consentPage(authorization, context: context)
        } else if try await !provider.hasConsent(principal, for: authorization, logger: context.logger) {
            if authorization.prompt == "none" { return errorBack("consent_required", "the user has not consented") }
            return try consentPage(authorization, context: context)
        }
        return redirect(try await provider.issueCode(for: principal, request: authorization, logger: context.logger))
    }

    private func consentPage(_ authorization: AuthorizationRequest, context: HuesRequestContext) throws -> Response {
        let words = renderer.translations.table(for: context.language)
        let scopes = authorization.scopes.map { ["text": words["scope_\($0.replacingOccurrences(of: ".", with: "_"))"] ?? $0] }
        let hidden = authorization.parameters.map { ["name": $0.0, "value": $0.1] }
        return try renderer.page("consent", title: "consent_title", context: context,
                                 values: ["clientName": authorization.client.name, "scopes": scopes, "hidden": hidden])
    }

    // MARK: Token

    @Sendable func token(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        try limiter.check("token:\(context.clientAddress)")
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw OAuthError.invalidRequest("send the request as application/x-www-form-urlencoded")
        }
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        let client = try await authenticateClient(request: request, form: form, logger: context.logger)
        let set: OpenIDProvider.TokenSet
        switch form["grant_type"] {
        case "authorization_code":
            guard let code = form["code"] else { throw OAuthError.invalidRequest("code is required") }
            set = try await provider.exchange(code: code, redirectURI: form["redirect_uri"], verifier: form["code_verifier"], client: client,
                                              logger: context.logger)
        case "refresh_token":
            guard let refresh = form["refresh_token"] else { throw OAuthError.invalidRequest("refresh_token is required") }
            set = try await provider.refresh(refresh, requestedScope: form["scope"], client: client, logger: context.logger)
        case nil:
            throw OAuthError.invalidRequest("grant_type is required")
        case let other?:
            throw OAuthError("unsupported_grant_type", "grant_type '\(other)' is not supported")
        }
        return try JSONResponse(set, headers: [HTTPField.Name("Pragma")!: "no-cache"]).response(from: request, context: context)
    }

    /// client_secret_basic, client_secret_post, or none (public clients, which must have used PKCE).
    private func authenticateClient(request: Request, form: FormFields, logger: Logger) async throws -> OAuthClient {
        var clientID = form["client_id"]
        var secret = form["client_secret"]
        var usedBasic = false
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "basic", let data = Data(base64Encoded: String(parts[1])),
                  let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":")
            else { throw OAuthError.invalidClient("malformed Basic credentials", usedBasic: true) }
            usedBasic = true
            // RFC 6749 §2.3.1: both halves are form-urlencoded before base64.
            let decode = { (text: Substring) in FormDecoding.decode(ArraySlice(text.utf8)) }
            clientID = decode(pair[..<colon])
            secret = decode(pair[pair.index(after: colon)...])
        }
        guard let clientID, let (client, secretMatches) = try await provider.clients.find(clientID, secret: secret, logger: logger), client.active else {
            throw OAuthError.invalidClient("unknown client", usedBasic: usedBasic)
        }
        switch client.type {
        case .confidential:
            guard secret != nil, secretMatches else {
                throw OAuthError.invalidClient("client authentication failed", usedBasic: usedBasic)
            }
        case .public:
            if secret != nil { throw OAuthError.invalidClient("public clients have no secret", usedBasic: usedBasic) }
        }
        return client
    }

    // MARK: Userinfo and revocation

    @Sendable func userinfo(_ request: Request, context: HuesRequestContext) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"hues\""])
        }
        do {
            let claims = try await provider.userinfo(accessToken: String(header.dropFirst(7)), logger: context.logger)
            var json: [String: Any] = claims
            if let verified = claims["email_verified"] { json["email_verified"] = verified == "true" }
            let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch is Problem {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer realm=\"hues\", error=\"invalid_token\""])
        }
    }

    @Sendable func revoke(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        try limiter.check("token:\(context.clientAddress)")
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        let client = try await authenticateClient(request: request, form: form, logger: context.logger)
        guard let token = form["token"] else { throw OAuthError.invalidRequest("token is required") }
        // RFC 7009 §2.2: answer 200 whether or not the token was known; access tokens simply expire.
        try await provider.refreshTokens.revokeFamily(of: token, clientID: client.clientID, logger: context.logger)
        return Response(status: .ok, headers: [.cacheControl: "no-store"])
    }

    // MARK: Logout

    @Sendable func logout(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let query = FormFields(request.uri.query ?? "")
        let hint = query["id_token_hint"]
        let postLogout = query["post_logout_redirect_uri"]
        let state = query["state"]
        var client: OAuthClient?
        var subject: String?
        if let hint, let found = try await provider.clientForIDTokenHint(hint, logger: context.logger) {
            client = found.client
            subject = found.subject
        } else if let clientID = query["client_id"] {
            client = try await provider.clients.find(clientID, logger: context.logger)
        }
        if let postLogout, !(client?.postLogoutRedirectURIs.contains(postLogout) ?? false) {
            return try message(title: "oauth_error_title", text: "The address to return to after signing out is not registered for this service.",
                               context: context, status: .badRequest)
        }
        // Without a valid hint for the signed-in person, ask first: a bare link must not sign anyone out.
        if let principal = context.principal, case .session = principal.credential, subject != principal.accountID {
            var hidden: [[String: String]] = []
            if let postLogout { hidden.append(["name": "post_logout_redirect_uri", "value": postLogout]) }
            if let state { hidden.append(["name": "state", "value": state]) }
            if let client { hidden.append(["name": "client_id", "value": client.clientID]) }
            return try renderer.page("logout-confirm", title: "logout_title", context: context, values: ["hidden": hidden])
        }
        return try await endSession(context: context, postLogout: postLogout, state: state)
    }

    @Sendable func confirmLogout(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        var postLogout: String?
        if let uri = form["post_logout_redirect_uri"], let clientID = form["client_id"],
           let client = try await provider.clients.find(clientID, logger: context.logger), client.postLogoutRedirectURIs.contains(uri) {
            postLogout = uri
        }
        return try await endSession(context: context, postLogout: postLogout, state: form["state"])
    }

    private func endSession(context: HuesRequestContext, postLogout: String?, state: String?) async throws -> Response {
        if case .session(let id, _) = context.principal?.credential {
            try await sessions.end(sessionID: id, logger: context.logger)
        }
        var response: Response
        if let postLogout {
            response = redirect(state.map { AuthorizationRequest.redirect(postLogout, [("state", $0)]) } ?? postLogout)
        } else {
            response = try message(title: "logout_title", text: renderer.translations.text("logout_done", language: context.language),
                                   context: context, status: .ok)
        }
        response.setCookie(Cookie(name: WebSessions.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true,
                                  sameSite: .lax))
        return response
    }

    // MARK: Helpers

    private func errorRedirect(_ uri: String, _ error: String, _ description: String, _ state: String?) -> Response {
        var parameters = [("error", error), ("error_description", description)]
        if let state { parameters.append(("state", state)) }
        parameters.append(("iss", issuer))
        return redirect(AuthorizationRequest.redirect(uri, parameters))
    }

    private func redirect(_ location: String) -> Response {
        Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
    }

    private func message(title: String, text: String, context: HuesRequestContext, status: HTTPResponse.Status) throws -> Response {
        try renderer.page("message", title: title, context: context, values: ["heading": renderer.translations.text(title, language: context.language),
                                                                              "text": text], status: status)
    }
}
