import Foundation
import Hummingbird
import Platform
import Web

/// `/api/v1/notices` and the inbox page.
struct NoticesRoutes: Sendable {
    let store: NoticeStore
    let push: PushSubscriptions
    let renderer: PageRenderer?

    struct Inbox: Codable, Sendable {
        var items: [Notice]
        var unread: Int
    }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/notices", access: .signedIn, summary: "My notices, newest first (unread=true for unread only)") { request, context in
            let principal = try context.requirePrincipal()
            let inbox = try await store.inbox(of: principal.accountID, language: context.language,
                                              unreadOnly: request.uri.queryParameters.get("unread") == "true", logger: context.logger)
            return JSONResponse(Inbox(items: inbox.notices, unread: inbox.unread))
        }
        routes.on(.post, "/api/v1/notices/:id/read", access: .signedIn, summary: "Mark a notice read") { _, context -> HTTPResponse.Status in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No such notice.") }
            try await store.markRead(id, of: try context.requirePrincipal().accountID, logger: context.logger)
            return .noContent
        }
        routes.on(.post, "/api/v1/notices/read-all", access: .signedIn, summary: "Mark every notice read") { _, context -> HTTPResponse.Status in
            try await store.markAllRead(of: try context.requirePrincipal().accountID, logger: context.logger)
            return .noContent
        }
        if let renderer {
            routes.on(.get, "/notices", access: .signedIn, kind: .page, summary: "My notices") { _, context in
                let accountID = try context.requirePrincipal().accountID
                let inbox = try await store.inbox(of: accountID, language: context.language, logger: context.logger)
                let items = inbox.notices.map { notice -> [String: Any] in
                    var row: [String: Any] = ["title": notice.title, "body": notice.body,
                                              "date": notice.createdAt.formatted(.iso8601.year().month().day())]
                    if notice.readAt == nil { row["unread"] = true }
                    if let link = notice.link { row["link"] = link }
                    return row
                }
                let devices = try await push.list(accountID: accountID, logger: context.logger).map { device -> [String: Any] in
                    ["id": device.id.uuidString, "service": Self.pushService(device.endpoint),
                     "since": device.createdAt.formatted(.iso8601.year().month().day())]
                }
                return try renderer.page("notices", title: "notices_title", context: context,
                                         values: ["notices": items, "empty": items.isEmpty, "unread": inbox.unread,
                                                  "devices": devices, "hasDevices": !devices.isEmpty])
            }
            routes.on(.post, "/notices/devices/:id/remove", access: .signedIn, kind: .page, summary: "Stop pushing my notices to a device") { _, context in
                guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No such device.") }
                try await push.remove(id, accountID: try context.requirePrincipal().accountID, logger: context.logger)
                return Response(status: .seeOther, headers: [.location: "/notices"])
            }
        }
    }

    /// Which browser a push service serves, as a person recognises it; otherwise the service's host.
    static func pushService(_ endpoint: String) -> String {
        let host = URLComponents(string: endpoint)?.host?.lowercased() ?? "?"
        let known: [(suffix: String, name: String)] = [
            ("fcm.googleapis.com", "Chrome / Android"), ("push.services.mozilla.com", "Firefox"), ("push.apple.com", "Safari"),
            ("notify.windows.com", "Edge / Windows"),
        ]
        return known.first { host == $0.suffix || host.hasSuffix("." + $0.suffix) }?.name ?? host
    }
}
