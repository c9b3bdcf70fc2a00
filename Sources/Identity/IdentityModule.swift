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
    let consents: ServiceConsents
    /// The city's time zone: reads of people's accounts are logged once per reader and city day.
    let timeZone: TimeZone

    /// Provides the staff directory and notice recipients (people by unit, role and address), the OAuth clients and
    /// the org tree; asks for the notice board to welcome people. In demo mode the demo national identity provider
    /// stands in for VNeID (no public specification of its interface is available to build a real adapter against).
    public init(context: ModuleContext, renderer: PageRenderer?) async throws {
        let configuration = context.configuration
        let database = context.database
        self.timeZone = context.profile.calendar.timeZone
        let notices = context.capabilities.first((any NoticeBoard).self)
        let passwords = PasswordHasher(cost: configuration.passwordHashCost)
        self.accounts = AccountDirectory(database: database, passwords: passwords, lockoutThreshold: configuration.loginFailuresBeforeLockout,
                                         notices: notices)
        self.tokens = AccessTokens(database: database, secrets: context.secrets, issuer: configuration.publicBaseURL,
                                   lifetime: configuration.accessTokenLifetime, clock: context.clock)
        self.refreshTokens = RefreshTokens(database: database, lifetime: configuration.refreshTokenLifetime)
        self.sessions = WebSessions(database: database, lifetime: configuration.webSessionLifetime)
        self.orgTree = OrgTree(database: database)
        self.clients = OAuthClients(database: database)
        self.openID = OpenIDProvider(database: database, accounts: accounts, tokens: tokens, refreshTokens: refreshTokens, clients: clients)
        self.consents = ServiceConsents(database: database)
        self.limiter = RateLimiter(perMinute: configuration.signInRateLimit)
        self.renderer = renderer
        self.secureCookies = configuration.publicBaseURL.hasPrefix("https://")
        let nationalIdentity: (any NationalIdentityProvider)? =
            configuration.demoIntegrations ? await MockNationalIdentityProvider(publicBaseURL: configuration.publicBaseURL) : nil
        self.nationalIdentity = nationalIdentity
        let accounts = self.accounts
        let sessions = self.sessions
        self.upstream = nationalIdentity.map {
            UpstreamSignIn(provider: $0, database: database, accounts: accounts, sessions: sessions, notices: notices, secrets: context.secrets,
                           publicBaseURL: configuration.publicBaseURL, secureCookies: configuration.publicBaseURL.hasPrefix("https://"))
        }
        context.capabilities.provide((any StaffDirectory).self, accounts, by: "identity")
        context.capabilities.provide((any NoticeRecipients).self, accounts, by: "identity")
        context.capabilities.provide(OAuthClients.self, clients, by: "identity")
        context.capabilities.provide(OrgTree.self, orgTree, by: "identity")
    }

    public var name: String { "identity" }

    public var migrations: [any Migration] { [CreateIdentityTables(), CreateOAuthTables(), CreateUpstreamIdentities(), CreateAccountRevocations()] }

    public var authentication: AuthenticationMiddleware { AuthenticationMiddleware(tokens: tokens, sessions: sessions) }

    public func addRoutes(to routes: SecuredRouter) {
        IdentityAPI(accounts: accounts, tokens: tokens, refreshTokens: refreshTokens, orgTree: orgTree, limiter: limiter, timeZone: timeZone)
            .addRoutes(to: routes)
        consents.addRoutes(to: routes)
        if let renderer {
            var pages = AccountPages(accounts: accounts, sessions: sessions, orgTree: orgTree, renderer: renderer, limiter: limiter, secureCookies: secureCookies,
                                     nationalIdentityName: nationalIdentity?.displayName)
            pages.consents = consents
            pages.addRoutes(to: routes)
            upstream?.addRoutes(to: routes)
            (nationalIdentity as? MockNationalIdentityProvider)?.addRoutes(to: routes, renderer: renderer)
            OpenIDRoutes(provider: openID, sessions: sessions, renderer: renderer, limiter: limiter, secureCookies: secureCookies,
                         offersNationalIdentity: nationalIdentity != nil).addRoutes(to: routes)
        }
    }

    public func syncProfile(_ profile: CityProfile, database: PlatformDatabase) async throws {
        try await orgTree.sync(with: profile, logger: Logger(label: "hues.identity"))
    }

    public func seedDemo(_ demo: DemoSeeding) async throws -> [String] {
        try await DemoAccounts.seed(accounts, logger: demo.logger)
    }

    public var resources: ModuleResources? { ModuleResources(bundle: .module) }

    public var navigation: [NavigationEntry] { [NavigationEntry(label: "nav_account", path: "/account", order: 95, access: .signedIn)] }

    public var liveFigures: [LiveFigure] { IdentityLiveFigures.all }

    public var events: [EventDeclaration] {
        [
            EventDeclaration("identity.account.created", payload: "account: username, kind, roles"),
            EventDeclaration("identity.account.read", payload: "subjects"),
            EventDeclaration("identity.account.roles-changed", payload: "account: roles"),
            EventDeclaration("identity.account.disabled"), EventDeclaration("identity.account.erased"), EventDeclaration("identity.account.enabled"), EventDeclaration("identity.account.locked"),
            EventDeclaration("identity.sign-in.succeeded"), EventDeclaration("identity.sign-in.failed"), EventDeclaration("identity.session.started"),
            EventDeclaration("identity.consent.granted", payload: "client, scope"), EventDeclaration("identity.org-tree.synced", payload: "units"),
            EventDeclaration("identity.signing-key.rotated"),
            EventDeclaration("identity.national-identity.linked", payload: "issuer, level"),
            EventDeclaration("identity.oauth.tokens-issued", payload: "client, scope, acr"),
            EventDeclaration("identity.oauth.code-replayed"), EventDeclaration("identity.refresh-token.reuse-detected", payload: "family"),
        ]
    }

    public var requirements: [CapabilityRequirement] {
        [CapabilityRequirement((any NoticeBoard).self, required: false, reason: "welcome and account notices")]
    }
}
