import FluentKit
import Foundation
import Hummingbird
import Logging
import Platform
import SQLKit

/// The city services a person has allowed to use their account (OpenID Connect consents), and taking that back
/// (Law 91/2025 Art. 4: consent may be withdrawn). Withdrawing forgets the consent, ends the service's refresh tokens
/// for the person (its access tokens lapse within their lifetime) and is recorded in the event log, so the next
/// sign-in through that service asks again.
struct ServiceConsents: Sendable {
    let database: PlatformDatabase

    struct Consent: Codable, Sendable, Equatable {
        var clientId: String
        var service: String
        var scopes: [String]
        var grantedAt: Date
    }

    func list(accountID: String, logger: Logger) async throws -> [Consent] {
        guard let account = UUID(uuidString: accountID) else { throw Problem.unauthorized() }
        let rows = try await database.sql(logger: logger).raw("""
            SELECT c.client_id, o.name, c.scope, c.granted_at FROM oauth_consents c JOIN oauth_clients o ON o.client_id = c.client_id
            WHERE c.account_id = \(bind: account) ORDER BY c.granted_at DESC
            """).all()
        return try rows.map { row in
            Consent(clientId: try row.decode(column: "client_id", as: String.self), service: try row.decode(column: "name", as: String.self),
                    scopes: try row.decode(column: "scope", as: String.self).split(separator: " ").map(String.init),
                    grantedAt: try row.decode(column: "granted_at", as: Date.self))
        }
    }

    /// Takes the consent back; a 404 when there is none to take back.
    func withdraw(_ clientID: String, by principal: Principal, logger: Logger) async throws {
        guard let account = UUID(uuidString: principal.accountID) else { throw Problem.unauthorized() }
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            let removed = try await sql.raw("""
                DELETE FROM oauth_consents WHERE account_id = \(bind: account) AND client_id = \(bind: clientID) RETURNING scope
                """).first()
            guard let removed else { throw Problem.notFound("You have not allowed this service to use your account.") }
            try await sql.raw("""
                UPDATE refresh_tokens SET revoked_at = \(bind: Date()) WHERE account_id = \(bind: account) AND client_id = \(bind: clientID) AND revoked_at IS NULL
                """).run()
            try await EventLog.append(
                try DomainEvent(type: "identity.consent.withdrawn", actorID: principal.accountID, actorName: principal.username,
                                subject: "client:\(clientID)", payload: ["scope": try removed.decode(column: "scope", as: String.self)]),
                on: db)
        }
    }

    /// Only the person, signed in to the city itself: a service's own token may not read or change the person's
    /// consents to other services.
    static func requireOwnSignIn(_ context: HuesRequestContext) throws -> Principal {
        let principal = try context.requirePrincipal()
        guard principal.clientID == nil else { throw Problem.forbidden("A service's token cannot manage the person's consents.") }
        return principal
    }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/me/consents", access: .signedIn, summary: "The city services I have allowed to use my account") { _, context in
            let principal = try Self.requireOwnSignIn(context)
            return JSONResponse(try await list(accountID: principal.accountID, logger: context.logger))
        }
        routes.on(.delete, "/api/v1/me/consents/:clientId", access: .signedIn, summary: "Withdraw my consent to a city service") { _, context in
            let principal = try Self.requireOwnSignIn(context)
            try await withdraw(try context.parameters.require("clientId"), by: principal, logger: context.logger)
            return Response(status: .noContent)
        }
        routes.on(.post, "/account/consents/:clientId/withdraw", access: .signedIn, kind: .page, summary: "Withdraw consent from the account page") { _, context in
            let principal = try Self.requireOwnSignIn(context)
            try await withdraw(try context.parameters.require("clientId"), by: principal, logger: context.logger)
            return Response(status: .seeOther, headers: [.location: "/account#consents", .cacheControl: "no-store"])
        }
    }
}
