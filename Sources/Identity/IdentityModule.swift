import FluentKit
import Foundation
import Logging
import Platform
import Web

/// The identity module's manifest: its tables, routes, profile sync and demo accounts.
public struct IdentityModule: PlatformModule {
    public let accounts: AccountDirectory
    public let tokens: AccessTokens
    public let refreshTokens: RefreshTokens
    public let sessions: WebSessions
    public let orgTree: OrgTree
    public let clients: OAuthClients
    public let openID: OpenIDProvider
    let limiter: RateLimiter
    let renderer: PageRenderer?
    let secureCookies: Bool
    let nationalIdentity: (any NationalIdentityProvider)?
    let upstream: UpstreamSignIn?

    public init(database: PlatformDatabase, configuration: HuesConfiguration, secrets: SecretBox, renderer: PageRenderer?,
                nationalIdentity: (any NationalIdentityProvider)? = nil, notices: (any NoticeBoard)? = nil) {
        let passwords = PasswordHasher(cost: configuration.passwordHashCost)
        self.accounts = AccountDirectory(database: database, passwords: passwords, lockoutThreshold: configuration.loginFailuresBeforeLockout,
                                         notices: notices)
        self.tokens = AccessTokens(database: database, secrets: secrets, issuer: configuration.publicBaseURL,
                                   lifetime: configuration.accessTokenLifetime)
        self.refreshTokens = RefreshTokens(database: database, lifetime: configuration.refreshTokenLifetime)
        self.sessions = WebSessions(database: database, lifetime: configuration.webSessionLifetime)
        self.orgTree = OrgTree(database: database)
        self.clients = OAuthClients(database: database)
        self.openID = OpenIDProvider(database: database, accounts: accounts, tokens: tokens, refreshTokens: refreshTokens, clients: clients)
        self.limiter = RateLimiter(perMinute: configuration.signInRateLimit)
        self.renderer = renderer
        self.secureCookies = configuration.publicBaseURL.hasPrefix("https://")
        self.nationalIdentity = nationalIdentity
        let accounts = self.accounts
        let sessions = self.sessions
        self.upstream = nationalIdentity.map {
            UpstreamSignIn(provider: $0, database: database, accounts: accounts, sessions: sessions, notices: notices, secrets: secrets,
                           publicBaseURL: configuration.publicBaseURL, secureCookies: configuration.publicBaseURL.hasPrefix("https://"))
        }
    }

    public var name: String { "identity" }

    public var migrations: [any Migration] { [CreateIdentityTables(), CreateOAuthTables(), CreateUpstreamIdentities()] }

    public var authentication: AuthenticationMiddleware { AuthenticationMiddleware(tokens: tokens, sessions: sessions) }

    public func addRoutes(to routes: SecuredRouter) {
        IdentityAPI(accounts: accounts, tokens: tokens, refreshTokens: refreshTokens, orgTree: orgTree, limiter: limiter).addRoutes(to: routes)
        if let renderer {
            AccountPages(accounts: accounts, sessions: sessions, orgTree: orgTree, renderer: renderer, limiter: limiter, secureCookies: secureCookies,
                         nationalIdentityName: nationalIdentity?.displayName)
                .addRoutes(to: routes)
            upstream?.addRoutes(to: routes)
            (nationalIdentity as? MockNationalIdentityProvider)?.addRoutes(to: routes, renderer: renderer)
            OpenIDRoutes(provider: openID, sessions: sessions, renderer: renderer, limiter: limiter, secureCookies: secureCookies,
                         offersNationalIdentity: nationalIdentity != nil).addRoutes(to: routes)
        }
    }

    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {
        try await orgTree.sync(with: profile, logger: Logger(label: "hues.identity"))
    }

    public func seedDemo(database: PlatformDatabase) async throws -> [String] {
        try await DemoAccounts.seed(accounts, logger: Logger(label: "hues.identity.demo"))
    }
}
