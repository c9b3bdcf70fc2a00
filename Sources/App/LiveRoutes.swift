import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Platform
import ServiceLifecycle
import Synchronization

/// A live stream (Server-Sent Events) of which public things changed: the report map refreshes itself when reports
/// are filed or move anywhere in the city, on whichever instance. Only the kinds of change travel (event types of the
/// topics modules declare public), never what changed: the page then asks the cached public feed as before.
struct LiveRoutes: Sendable {
    let changes: ChangeTopics
    /// The topics of the public answers modules let the platform keep (`publicCaching`).
    let topics: Set<String>
    let streams = LiveChangeStream.Openings()

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/live", access: .everyone, summary: "Live stream (Server-Sent Events) of changes to public topics") { request, context in
            let wanted = try requestedTopics(request.uri.queryParameters["topics"].map(String.init))
            let address = IPNetwork.budgetKey(context.clientAddress)
            guard streams.enter(address) else {
                throw Problem.tooManyRequests(retryAfterSeconds: 30, detail: "Too many live streams are open; try again shortly.")
            }
            // The slot is given back when the body goes, whether it ran or the client left before it could start.
            let slot = LiveChangeStream.Slot(streams, address)
            let body = ResponseBody { [changes] writer in
                try await LiveChangeStream.run(changes: changes, topics: wanted, to: &writer)
                try await writer.finish(nil)
                withExtendedLifetime(slot) {}
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                                                   HTTPField.Name("X-Accel-Buffering")!: "no"], body: body)
        }
    }

    /// The topics asked for (all public ones when none are named); a 400 for any that is not public.
    func requestedTopics(_ parameter: String?) throws -> [String] {
        guard let parameter, !parameter.isEmpty else { return topics.sorted() }
        let named = parameter.split(separator: ",").prefix(20).map { $0.trimmingCharacters(in: .whitespaces) }
        let unknown = named.filter { !topics.contains($0) }
        guard unknown.isEmpty else {
            throw Problem.badRequest("'\(unknown[0].prefix(80))' is not a public topic; these are: \(topics.sorted().joined(separator: ", ")).")
        }
        return named
    }
}
