import Foundation
import Hummingbird
import Logging
import Platform

/// `/api/v1` routes for signing in, the caller's own account, account administration and the org tree.
public struct IdentityAPI: Sendable {
    let accounts: AccountDirectory
    let tokens: AccessTokens
    let refreshTokens: RefreshTokens
    let orgTree: OrgTree
    let limiter: RateLimiter
    let timeZone: TimeZone

    public init(accounts: AccountDirectory, tokens: AccessTokens, refreshTokens: RefreshTokens, orgTree: OrgTree, limiter: RateLimiter,
                timeZone: TimeZone) {
        self.accounts = accounts
        self.timeZone = timeZone
        self.tokens = tokens
        self.refreshTokens = refreshTokens
        self.orgTree = orgTree
        self.limiter = limiter
    }

    public func addRoutes(to routes: SecuredRouter) {
        routes.on(.post, "/api/v1/auth/token", access: .everyone, summary: "Sign in with username and password", use: signIn)
        routes.on(.post, "/api/v1/auth/refresh", access: .everyone, summary: "Exchange a refresh token (rotates it)", use: refresh)
        routes.on(.post, "/api/v1/auth/logout", access: .signedIn, summary: "Revoke a refresh token family", use: logout)
        routes.on(.post, "/api/v1/accounts/register", access: .everyone, summary: "Open a citizen or business account", use: register)
        routes.on(.get, "/api/v1/me", access: .signedIn, summary: "The caller's identity and roles", use: me)
        routes.on(.get, "/api/v1/accounts", access: .roles([.admin]), summary: "List accounts", use: list)
        routes.on(.post, "/api/v1/accounts", access: .roles([.admin]), summary: "Open an account with roles", use: create)
        routes.on(.get, "/api/v1/accounts/:id", access: .roles([.admin]), summary: "One account", use: show)
        routes.on(.put, "/api/v1/accounts/:id/roles", access: .roles([.admin]), summary: "Replace an account's roles", use: setRoles)
        routes.on(.post, "/api/v1/accounts/:id/disable", access: .roles([.admin]), summary: "Disable an account", use: disable)
        routes.on(.post, "/api/v1/accounts/:id/enable", access: .roles([.admin]), summary: "Enable an account", use: enable)
        routes.on(.get, "/api/v1/org/units", access: .everyone, summary: "The city's organisation units", use: units)
        routes.on(.get, "/api/v1/org/units/:code", access: .everyone, summary: "One unit with its sub-units", use: unit)
    }

    // MARK: Signing in

    struct SignInRequest: ValidatedInput {
        var username: String
        var password: String

        func validate() -> [Problem.FieldError] {
            var errors: [Problem.FieldError] = []
            if username.isEmpty { errors.append(.init(field: "username", message: "is required")) }
            if password.isEmpty { errors.append(.init(field: "password", message: "is required")) }
            return errors
        }
    }

    struct TokenResponse: Codable, Sendable {
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn: Int
        var refreshToken: String

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
            case refreshToken = "refresh_token"
        }
    }

    @Sendable func signIn(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<TokenResponse> {
        var request = request
        try limiter.check("sign-in:\(context.clientAddress)")
        let input = try await request.decodeValid(SignInRequest.self, context: context)
        // Per account too: guesses spread over many addresses still meet one budget for the name they aim at.
        try limiter.check("sign-in-account:\(input.username.lowercased())", detail: "Too many sign-in attempts for this account; slow down.")
        let account = try await Self.signIn(accounts, username: input.username, password: input.password, logger: context.logger)
        let now = Date()
        let access = try await tokens.issue(for: account, authTime: now)
        let refresh = try await refreshTokens.start(for: account, authTime: now, logger: context.logger)
        return JSONResponse(TokenResponse(accessToken: access.token, expiresIn: access.expiresIn, refreshToken: refresh))
    }

    /// Shared by the API and the login page: maps sign-in failures to problems a client can act on.
    public static func signIn(_ accounts: AccountDirectory, username: String, password: String, logger: Logger) async throws -> Account {
        do {
            return try await accounts.authenticate(username: username, password: password, logger: logger)
        } catch AccountDirectory.SignInError.invalidCredentials {
            throw Problem(status: .unauthorized, type: "invalid-credentials", title: "Sign-in failed", detail: "The username or password is wrong.")
        } catch AccountDirectory.SignInError.locked(let until) {
            throw Problem.tooManyRequests(retryAfterSeconds: Int(until.timeIntervalSinceNow.rounded(.up)),
                                          detail: "Too many failed sign-ins. The account is locked until \(until.formatted(.iso8601)).")
        } catch AccountDirectory.SignInError.disabled {
            throw Problem(status: .forbidden, type: "account-disabled", title: "Account disabled", detail: "This account has been disabled.")
        }
    }

    struct RefreshRequest: ValidatedInput {
        var refreshToken: String

        enum CodingKeys: String, CodingKey {
            case refreshToken = "refresh_token"
        }

        func validate() -> [Problem.FieldError] {
            refreshToken.isEmpty ? [.init(field: "refresh_token", message: "is required")] : []
        }
    }

    @Sendable func refresh(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<TokenResponse> {
        var request = request
        try limiter.check("sign-in:\(context.clientAddress)")
        let input = try await request.decodeValid(RefreshRequest.self, context: context)
        let rotated: (grant: RefreshGrant, token: String, account: Account)
        do {
            rotated = try await refreshTokens.rotate(input.refreshToken, logger: context.logger)
        } catch RefreshTokens.RotationError.reused {
            throw Problem(status: .unauthorized, type: "refresh-token-reused", title: "Refresh token reused",
                          detail: "This refresh token was already used; every token from this sign-in has been revoked. Sign in again.")
        } catch RefreshTokens.RotationError.invalid {
            throw Problem(status: .unauthorized, type: "invalid-refresh-token", title: "Invalid refresh token",
                          detail: "The refresh token is unknown, expired or revoked. Sign in again.")
        }
        let access = try await tokens.issue(for: rotated.account, authTime: rotated.grant.authTime)
        return JSONResponse(TokenResponse(accessToken: access.token, expiresIn: access.expiresIn, refreshToken: rotated.token))
    }

    struct LogoutRequest: Decodable {
        var refreshToken: String?

        enum CodingKeys: String, CodingKey {
            case refreshToken = "refresh_token"
        }
    }

    @Sendable func logout(_ request: Request, context: HuesRequestContext) async throws -> HTTPResponse.Status {
        var request = request
        if request.headers[.contentType] != nil {
            let input = try await request.decodeJSON(as: LogoutRequest.self, context: context)
            if let token = input.refreshToken { try await refreshTokens.revokeFamily(of: token, logger: context.logger) }
        }
        return .noContent
    }

    struct RegisterRequest: ValidatedInput {
        var username: String
        var displayName: String
        var password: String
        var email: String?
        var phone: String?
        var kind: AccountKind?

        func validate() -> [Problem.FieldError] {
            if let kind, kind == .staff { return [.init(field: "kind", message: "staff accounts are opened by an administrator")] }
            return []
        }
    }

    @Sendable func register(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Account> {
        var request = request
        try limiter.check("sign-in:\(context.clientAddress)")
        let input = try await request.decodeValid(RegisterRequest.self, context: context)
        let account = try await accounts.create(
            NewAccount(username: input.username, displayName: input.displayName, password: input.password, email: input.email,
                       phone: input.phone, kind: input.kind ?? .citizen),
            by: Actor(id: nil, name: "self-registration"), logger: context.logger)
        return JSONResponse(account, status: .created)
    }

    // MARK: The caller

    struct Me: Codable, Sendable {
        var id: String
        var username: String
        var displayName: String
        var roles: [RoleGrant]
    }

    @Sendable func me(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Me> {
        let principal = try context.requirePrincipal()
        return JSONResponse(Me(id: principal.accountID, username: principal.username, displayName: principal.displayName, roles: principal.grants))
    }

    // MARK: Administration

    struct Page<Item: Codable & Sendable>: Codable, Sendable {
        var items: [Item]
        var total: Int
        var limit: Int
        var offset: Int
    }

    @Sendable func list(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Page<Account>> {
        let paging = try Paging.window(request)
        let result = try await accounts.list(search: request.formQuery("q"), paging: paging, logger: context.logger)
        try await logRead(of: result.accounts, listing: "account-list", context: context)
        return JSONResponse(Page(items: result.accounts, total: result.total, limit: paging.limit, offset: paging.offset))
    }

    @Sendable func create(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Account> {
        var request = request
        // The directory validates fields and roles together, so every problem comes back in one answer.
        let input = try await request.decodeJSON(as: NewAccount.self, context: context)
        let account = try await accounts.create(input, by: Actor(try context.requirePrincipal()), logger: context.logger)
        return JSONResponse(account, status: .created, headers: [.location: "/api/v1/accounts/\(account.id)"])
    }

    @Sendable func show(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Account> {
        guard let account = try await accounts.find(id: try accountID(context), logger: context.logger) else {
            throw Problem.notFound("No account with this id.")
        }
        try await logRead(of: [account], listing: "account:\(account.username)", context: context)
        return JSONResponse(account)
    }

    /// An administrator shown other people's names and contacts: who saw whose, and when, goes into the event log
    /// (Law 91/2025), once per reader, account and city day.
    private func logRead(of shown: [Account], listing: String, context: HuesRequestContext) async throws {
        let principal = try context.requirePrincipal()
        let others = shown.filter { $0.id != UUID(uuidString: principal.accountID) }
        guard !others.isEmpty else { return }
        try await PersonalDataReads.record(type: "identity.account.read", reader: principal.accountID, readerName: principal.username, unitCode: nil,
                                           listing: listing, subjects: others.map { "account:\($0.username)" }, on: accounts.database,
                                           timeZone: timeZone, logger: context.logger)
    }

    struct RolesRequest: ValidatedInput {
        var roles: [RoleGrant]
        func validate() -> [Problem.FieldError] { [] }
    }

    @Sendable func setRoles(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Account> {
        var request = request
        let input = try await request.decodeValid(RolesRequest.self, context: context)
        let account = try await accounts.setRoles(of: try accountID(context), to: input.roles, by: Actor(try context.requirePrincipal()),
                                                  logger: context.logger)
        return JSONResponse(account)
    }

    @Sendable func disable(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Account> {
        let principal = try context.requirePrincipal()
        let id = try accountID(context)
        if id.uuidString == principal.accountID { throw Problem.conflict("You cannot disable your own account.") }
        return JSONResponse(try await accounts.setStatus(of: id, to: .disabled, by: Actor(principal), logger: context.logger))
    }

    @Sendable func enable(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<Account> {
        JSONResponse(try await accounts.setStatus(of: try accountID(context), to: .active, by: Actor(try context.requirePrincipal()),
                                                  logger: context.logger))
    }

    private func accountID(_ context: HuesRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No account with this id.") }
        return id
    }

    // MARK: Org tree

    @Sendable func units(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[OrgUnit]> {
        let kind = request.uri.queryParameters.get("kind")
        if let kind, CityProfile.Unit.Kind(rawValue: kind) == nil {
            throw Problem.validation([.init(field: "kind", message: "must be one of \(CityProfile.Unit.Kind.allCases.map(\.rawValue).joined(separator: ", "))")])
        }
        return JSONResponse(try await orgTree.units(kind: kind, logger: context.logger), headers: [.cacheControl: "public, max-age=300"])
    }

    struct UnitDetail: Codable, Sendable {
        var unit: OrgUnit
        var children: [OrgUnit]
    }

    @Sendable func unit(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<UnitDetail> {
        let code = context.parameters.get("code") ?? ""
        guard let unit = try await orgTree.unit(code, logger: context.logger) else { throw Problem.notFound("No unit with code '\(code)'.") }
        return JSONResponse(UnitDetail(unit: unit, children: try await orgTree.children(of: code, logger: context.logger)),
                            headers: [.cacheControl: "public, max-age=300"])
    }
}
