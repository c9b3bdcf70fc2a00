import Foundation
import HTTPTypes
import Hummingbird
import Platform

/// `POST /api/v1/security/events`: a unit's log shipper posts ECS events as NDJSON with its unit's key in
/// `X-HueS-Ingest-Key`. Answered 202 with what was kept and refused; 503 with Retry-After when the SOC sheds load.
/// `POST /api/v1/security/ingest-keys`: analysts make a unit a key (shown once).
struct IngestRoutes {
    static let keyHeader = HTTPField.Name("X-HueS-Ingest-Key")!

    let ingest: SecurityIngest
    let keys: IngestKeys
    let access: SecurityAccess
    let units: Set<String>

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.post, "/api/v1/security/events", access: .ownCredential("unit ingest key (X-HueS-Ingest-Key)"),
                  summary: "Send security events (ECS NDJSON) for the key's unit") { request, context in
            guard let key = request.headers[Self.keyHeader],
                  let unit = try await keys.unit(forKey: key, logger: context.logger) else {
                throw Problem(status: .unauthorized, type: "unauthorized", title: "Ingest key required",
                              detail: "Send the unit's ingest key in X-HueS-Ingest-Key.")
            }
            // Admitted before the body is read: a shed batch costs no memory.
            guard await ingest.admit() else {
                throw Problem.unavailable(retryAfterSeconds: 2, detail: "The SOC is taking in more than it can; send this batch again shortly.")
            }
            do {
                var request = request
                let body = try await request.collectBody(upTo: min(context.maxBodyBytes, SecurityIngest.maximumBodyBytes))
                let receipt = try await ingest.ingestNDJSON(admitted: Array(buffer: body), unit: unit, logger: context.logger)
                await ingest.release()
                return JSONResponse(receipt, status: .accepted)
            } catch {
                await ingest.release()
                throw error
            }
        }
        routes.on(.post, "/api/v1/security/ingest-keys", access: SecurityAccess.analysts, summary: "Make a unit an ingest key") { request, context in
            let principal = try context.requirePrincipal()
            try access.requireAnalyst(principal)
            var request = request
            let input = try await request.decodeJSON(as: KeyInput.self, context: context)
            let label = input.label.trimmingCharacters(in: .whitespaces)
            var errors: [Problem.FieldError] = []
            if !units.contains(input.unit) { errors.append(.init(field: "unit", message: "a unit of the city")) }
            if !(1...100).contains(label.utf8.count) || label.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                errors.append(.init(field: "label", message: "1 to 100 characters, one line"))
            }
            guard errors.isEmpty else { throw Problem.unprocessable(errors) }
            return JSONResponse(try await keys.create(unit: input.unit, label: label, by: principal, logger: context.logger), status: .created)
        }
        addKeyListRoutes(to: routes)
    }

    func addKeyListRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/security/ingest-keys", access: SecurityAccess.analysts, summary: "The units' ingest keys (never the keys themselves)") { _, context in
            try access.requireAnalyst(try context.requirePrincipal())
            return JSONResponse(try await keys.list(logger: context.logger))
        }
        routes.on(.post, "/api/v1/security/ingest-keys/:id/revoke", access: SecurityAccess.analysts, summary: "Revoke an ingest key at once") { _, context in
            let principal = try context.requirePrincipal()
            try access.requireAnalyst(principal)
            let id = context.parameters.get("id") ?? ""
            guard try await keys.revoke(id: id, by: principal, logger: context.logger) else {
                throw Problem.notFound("No live ingest key \(id.prefix(16)).")
            }
            return Response(status: .noContent)
        }
    }

    struct KeyInput: Decodable {
        var unit: String
        var label: String
    }
}
