import Foundation
import HTTPTypes
import Hummingbird
import Platform

/// The HTTP details every NGSI-LD route shares: JSON-LD or plain JSON answers (with the context in a `Link`
/// header for plain JSON), bodies read within the platform's limit, and the broker's own error format.
enum NGSIExchange {
    static let resultsCount = HTTPField.Name("NGSILD-Results-Count")!
    static let tenant = HTTPField.Name("NGSILD-Tenant")!
    static let link = HTTPField.Name("Link")!
    static let multiStatus = HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status")

    /// Query parameters, the first value of each.
    static func parameters(_ request: Request) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where values[String(key)] == nil { values[String(key)] = String(value) }
        return values
    }

    static func wantsLD(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("application/ld+json") ?? false
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, ld: Bool, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = ld ? "application/ld+json" : "application/json"
        if !ld { headers[link] = NGSIContext.linkHeader() }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }

    static func empty(_ status: HTTPResponse.Status, location: String? = nil) -> Response {
        var headers = HTTPFields()
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers)
    }

    /// The body as JSON, with the context of a `Link` header when the body is plain JSON.
    static func body(_ request: Request, context: HuesRequestContext) async throws -> (value: JSONValue, linkContext: String?) {
        var request = request
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") || type.hasPrefix("application/ld+json") else {
            throw NGSIError(.invalidRequest, "Send the body as application/json or application/ld+json.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxBodyBytes)
        } catch {
            throw NGSIError(.badRequestData, "The body is larger than \(context.maxBodyBytes) bytes.")
        }
        let value = try NGSIDocument.decode(Data(buffer: buffer))
        if type.hasPrefix("application/ld+json"), let members = value.object, members["@context"] == nil {
            throw NGSIError(.badRequestData, "A body sent as application/ld+json carries its @context.")
        }
        return (value, type.hasPrefix("application/json") ? NGSIContext.fromLink(request.headers[link]) : nil)
    }

    /// An entity id from the path, checked.
    static func entityID(_ context: HuesRequestContext, _ name: String = "id") throws -> String {
        guard let raw = context.parameters.get(name) else { throw NGSIError(.badRequestData, "No entity id in the path.") }
        let id = raw.removingPercentEncoding ?? raw
        guard NGSINames.isURI(id) else { throw NGSIError(.badRequestData, "'\(NGSINames.shown(id))' is not a URI.") }
        return id
    }

    /// Runs a route's work for the city's operations centre only, refusing tenants (this broker has one), and
    /// answers every failure in NGSI-LD's format.
    /// - Parameter gateways: whether the operations unit's sensor gateways may use the route (writing and reading
    ///   entities), besides its IOC operators and admins.
    static func handle(_ request: Request, _ context: HuesRequestContext, _ broker: NGSIBroker, gateways: Bool = false,
                       _ work: () async throws -> Response) async throws -> Response {
        // The route admits its roles in any unit; the city's sensors are for the operations centre's, and admins.
        guard let principal = context.principal, broker.mayUse(principal, gateway: gateways) else { throw Problem.forbidden() }
        if request.headers[tenant] != nil {
            throw NGSIError(.noMultiTenantSupport, "This broker has one tenant; send no NGSILD-Tenant header.")
        }
        do {
            return try await work()
        } catch {
            throw NGSIError.from(error)
        }
    }

    /// A batch's answer: 207 with `success` and `errors` when something was refused.
    static func batchErrors(_ success: [String], _ errors: [(entityID: String, error: NGSIError)]) -> Response {
        let document: JSONValue = .object([
            "success": .array(success.map { .string($0) }),
            "errors": .array(errors.map { .object(["entityId": .string($0.entityID), "error": $0.error.document]) }),
        ])
        return json(document, status: Self.multiStatus, ld: false)
    }
}
