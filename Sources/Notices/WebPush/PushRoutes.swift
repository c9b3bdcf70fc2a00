import Foundation
import Hummingbird
import Platform

/// `/api/v1/notices/push`: the key browsers subscribe with, and each person's subscribed browsers.
struct PushRoutes: Sendable {
    let subscriptions: PushSubscriptions
    let keys: VapidKeys

    struct ServerKey: Codable, Sendable {
        var publicKey: String
    }

    struct Subscribed: Codable, Sendable {
        var items: [PushSubscription]
    }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/notices/push/key", access: .everyone,
                  summary: "The platform's VAPID public key (applicationServerKey for PushManager.subscribe)") { _, context in
            JSONResponse(ServerKey(publicKey: try await keys.current(logger: context.logger).publicKey))
        }
        routes.on(.get, "/api/v1/notices/push/subscriptions", access: .signedIn, summary: "The browsers my notices are pushed to") { _, context in
            JSONResponse(Subscribed(items: try await subscriptions.list(accountID: try context.requirePrincipal().accountID, logger: context.logger)))
        }
        routes.on(.post, "/api/v1/notices/push/subscriptions", access: .signedIn,
                  summary: "Push my notices to this browser (the body is PushSubscription.toJSON())") { request, context in
            var request = request
            let input = try await request.decodeJSON(as: PushSubscriptionInput.self, context: context)
            let principal = try context.requirePrincipal()
            // Only the web app in a signed-in browser: a relying party's API token must not leave a device behind that
            // keeps receiving the person's notices after its consent is withdrawn.
            guard case .session = principal.credential else {
                throw Problem.forbidden("Push subscriptions are made by the web app in a signed-in browser.")
            }
            let stored = try await subscriptions.subscribe(input, accountID: principal.accountID, language: context.language, logger: context.logger)
            return JSONResponse(stored, status: .created)
        }
        routes.on(.delete, "/api/v1/notices/push/subscriptions/:id", access: .signedIn,
                  summary: "Stop pushing my notices to a browser") { _, context -> HTTPResponse.Status in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No such push subscription.") }
            try await subscriptions.remove(id, accountID: try context.requirePrincipal().accountID, logger: context.logger)
            return .noContent
        }
    }
}
