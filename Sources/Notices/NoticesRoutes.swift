import Foundation
import Hummingbird
import Platform
import Web

/// `/api/v1/notices` and the inbox page.
struct NoticesRoutes: Sendable {
    let store: NoticeStore
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
                let inbox = try await store.inbox(of: try context.requirePrincipal().accountID, language: context.language, logger: context.logger)
                let items = inbox.notices.map { notice -> [String: Any] in
                    var row: [String: Any] = ["title": notice.title, "body": notice.body,
                                              "date": notice.createdAt.formatted(.iso8601.year().month().day())]
                    if notice.readAt == nil { row["unread"] = true }
                    if let link = notice.link { row["link"] = link }
                    return row
                }
                return try renderer.page("notices", title: "notices_title", context: context,
                                         values: ["notices": items, "empty": items.isEmpty, "unread": inbox.unread])
            }
        }
    }
}
