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
    let renderer: PageRenderer?
    let secureCookies: Bool

    public init(database: PlatformDatabase, configuration: HuesConfiguration, secrets: SecretBox, renderer: PageRenderer?) {
        let passwords = PasswordHasher(cost: configuration.passwordHashCost)
        self.accounts = AccountDirectory(database: database, passwords: passwords, lockoutThreshold: configuration.loginFailuresBeforeLockout)
        self.tokens = AccessTokens(database: database, secrets: secrets, issuer: configuration.publicBaseURL,
                                   lifetime: configuration.accessTokenLifetime)
        self.refreshTokens = RefreshTokens(database: database, lifetime: configuration.refreshTokenLifetime)
        self.sessions = WebSessions(database: database, lifetime: configuration.webSessionLifetime)
        self.orgTree = OrgTree(database: database)
        self.renderer = renderer
        self.secureCookies = configuration.publicBaseURL.hasPrefix("https://")
    }

    public var name: String { "identity" }

    public var migrations: [any Migration] { [CreateIdentityTables()] }

    public var authentication: AuthenticationMiddleware { AuthenticationMiddleware(tokens: tokens, sessions: sessions) }

    public func addRoutes(to routes: SecuredRouter) {
        IdentityAPI(accounts: accounts, tokens: tokens, refreshTokens: refreshTokens, orgTree: orgTree).addRoutes(to: routes)
        if let renderer {
            AccountPages(accounts: accounts, sessions: sessions, orgTree: orgTree, renderer: renderer, secureCookies: secureCookies)
                .addRoutes(to: routes)
        }
    }

    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {
        try await orgTree.sync(with: profile, logger: Logger(label: "hues.identity"))
    }

    public func seedDemo(database: PlatformDatabase) async throws -> [String] {
        try await DemoAccounts.seed(accounts, logger: Logger(label: "hues.identity.demo"))
    }
}
