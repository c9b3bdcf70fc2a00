import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Platform

/// Open311 GeoReport v2 at `/open311/v2`, with the compatibility rules real clients need: every route in `.xml` and
/// `.json`, `api_key` and `jurisdiction_id` from the query or the body (empty counts as absent), urlencoded and
/// multipart posts, the singular `service/{code}` path, mySociety's `servicerequestupdates`, and the spec's
/// error lists on every refusal.
struct Open311Routes: Sendable {
    let reports: FieldReportService
    let clients: Open311Clients
    let publicBaseURL: String

    static let base = "/open311/v2"
    static let changeset = "2026-11-29T00:00:00+07:00"

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "\(Self.base)/:file", access: .everyone, kind: .system, summary: "Open311: discovery, services, requests, updates") {
            request, context in
            try await answer(request, context) { format, name, query in
                switch name {
                case "discovery": return discovery()
                case "services": return try services(query)
                case "requests": return try await requests(query, logger: context.logger)
                case "servicerequestupdates": return try await updates(query, logger: context.logger)
                default: throw Open311Error(.notFound, "No Open311 resource '\(name)'.")
                }
            }
        }
        routes.on(.post, "\(Self.base)/:file", access: .ownCredential("Open311 api_key"), kind: .system, summary: "Open311: post a service request or an update") {
            request, context in
            var request = request
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            return try await answer(request, context) { format, name, query in
                let form = try Open311Form(body: Data(buffer: body), contentType: request.headers[.contentType], query: query)
                switch name {
                case "requests": return try await post(form, request: request, logger: context.logger)
                case "servicerequestupdates": return try await postUpdate(form, logger: context.logger)
                default: throw Open311Error(.notFound, "No Open311 resource '\(name)' to post to.")
                }
            }
        }
        for collection in ["services", "service"] {
            routes.on(.get, "\(Self.base)/\(collection)/:file", access: .everyone, kind: .system, summary: "Open311: a service definition") {
                request, context in
                try await answer(request, context) { _, code, query in try definition(code, query) }
            }
        }
        routes.on(.get, "\(Self.base)/requests/:file", access: .everyone, kind: .system, summary: "Open311: one service request") {
            request, context in
            try await answer(request, context) { _, code, query in
                let found = try await reports.list(.init(codes: [code], paging: Paging(limit: 1)), logger: context.logger)
                guard let report = found.first else { throw Open311Error(.notFound, "No service request '\(code)'.") }
                return Open311Document(root: "service_requests", value: .list(item: "request", try await requestValues([report], query, logger: context.logger)))
            }
        }
        routes.on(.get, "\(Self.base)/tokens/:file", access: .everyone, kind: .system, summary: "Open311: the request behind a token") {
            request, context in
            try await answer(request, context) { _, token, _ in
                guard let id = UUID(uuidString: token), let code = try await reports.code(ofToken: id, logger: context.logger) else {
                    throw Open311Error(.notFound, "No service request for token '\(token)'.")
                }
                return Open311Document(root: "service_requests", value: .list(item: "request", [
                    .object([("service_request_id", .text(code)), ("token", .text(token.lowercased()))]),
                ]))
            }
        }
    }

    /// Splits the format off the path, checks the jurisdiction and turns every refusal into the spec's error list.
    private func answer(_ request: Request, _ context: HuesRequestContext,
                        _ body: (Open311Format, String, Open311Query) async throws -> Open311Document) async throws -> Response {
        guard let (name, format) = Open311Format.split(context.parameters.get("file") ?? "") else {
            return Open311Document.errors(.notFound, ["Open311 resources end in .xml or .json."]).response(.xml)
        }
        do {
            let query = Open311Query(request.uri.queryParameters)
            if let jurisdiction = query["jurisdiction_id"], jurisdiction != reports.settings.jurisdiction {
                throw Open311Error(.notFound, "jurisdiction_id '\(jurisdiction)' is not served here (this endpoint serves '\(reports.settings.jurisdiction)').")
            }
            return try await body(format, name, query).response(format)
        } catch let error as Open311Error {
            return Open311Document.errors(error.status, error.descriptions).response(format)
        } catch let problem as Problem {
            let status: HTTPResponse.Status = switch problem.status {
            case .notFound: .notFound
            case .forbidden, .unauthorized: .forbidden
            case .conflict: .conflict
            case .tooManyRequests, .serviceUnavailable: problem.status
            default: problem.status.code >= 500 ? .internalServerError : .badRequest
            }
            let descriptions = problem.errors.isEmpty ? [problem.detail] : problem.errors.map { "\(Self.open311Field($0.field)): \($0.message)" }
            return Open311Document.errors(status, descriptions).response(format)
        }
    }

    /// The query's `jurisdiction_id` is checked for every route; a posted form may carry it in the body instead.
    private func checkJurisdiction(_ form: Open311Form) throws {
        if let jurisdiction = form["jurisdiction_id"], jurisdiction != reports.settings.jurisdiction {
            throw Open311Error(.notFound, "jurisdiction_id '\(jurisdiction)' is not served here (this endpoint serves '\(reports.settings.jurisdiction)').")
        }
    }

    /// Our field names as the client sent them.
    static func open311Field(_ field: String) -> String {
        switch field {
        case "category": return "service_code"
        case "latitude": return "lat"
        case "longitude": return "long"
        case "location": return "lat/long/address_string"
        case "address": return "address_string"
        case let answer where answer.hasPrefix("answers."): return "attribute[\(answer.dropFirst(8))]"
        case let photo where photo.hasPrefix("photos"): return "media"
        default: return field
        }
    }

    // MARK: Discovery and services

    private func discovery() -> Open311Document {
        Open311Document(root: "discovery", value: .object([
            ("changeset", .text(Self.changeset)),
            ("contact", .text("Trung tâm Giám sát, điều hành đô thị thông minh (Hue-S), hotline 1022")),
            ("key_service", .text("API keys are issued by the platform administrators (POST /api/v1/open311/clients).")),
            ("endpoints", .list(item: "endpoint", [.object([
                ("specification", .text("http://wiki.open311.org/GeoReport_v2")),
                ("url", .text(publicBaseURL + Self.base)),
                ("changeset", .text(Self.changeset)),
                ("type", .text("production")),
                ("formats", .list(item: "format", [.text("text/xml"), .text("application/json")])),
            ])])),
        ]))
    }

    private func services(_ query: Open311Query) throws -> Open311Document {
        let english = query["locale"]?.hasPrefix("en") ?? false
        return Open311Document(root: "services", value: .list(item: "service", reports.settings.categories.map { category in
            .object([
                ("service_code", .text(category.code)),
                ("service_name", .text(english ? (category.nameEn ?? category.name) : category.name)),
                ("description", .text(category.description)),
                ("metadata", .text((category.questions ?? []).isEmpty ? "false" : "true")),
                ("type", .text("realtime")),
                ("keywords", .text(((category.keywords ?? []) + (category.isPublic ? [] : ["private"])).joined(separator: ","))),
                ("group", .text(english ? (category.groupEn ?? category.group) : category.group)),
            ])
        }))
    }

    private func definition(_ code: String, _ query: Open311Query) throws -> Open311Document {
        guard let category = reports.settings.category(code) else { throw Open311Error(.notFound, "No service '\(code)'.") }
        let english = query["locale"]?.hasPrefix("en") ?? false
        return Open311Document(root: "service_definition", value: .object([
            ("service_code", .text(category.code)),
            ("attributes", .list(item: "attribute", (category.questions ?? []).enumerated().map { order, question in
                var fields: [(String, Open311Value)] = [
                    ("variable", .text("true")),
                    ("code", .text(question.code)),
                    ("datatype", .text(question.datatype.rawValue)),
                    ("required", .text(question.required ? "true" : "false")),
                    ("datatype_description", .text(question.datatype == .datetime ? "W3C date and time with a zone" : nil)),
                    ("order", .integer(order + 1)),
                    ("description", .text(english ? (question.nameEn ?? question.name) : question.name)),
                ]
                if let values = question.values {
                    fields.append(("values", .list(item: "value", values.map {
                        .object([("key", .text($0.key)), ("name", .text(english ? ($0.nameEn ?? $0.name) : $0.name))])
                    })))
                }
                return .object(fields)
            })),
        ]))
    }

    // MARK: Requests

    private func requests(_ query: Open311Query, logger: Logger) async throws -> Open311Document {
        var filter = FieldReportService.ListFilter()
        if let ids = query.list("service_request_id") {
            guard ids.count <= 500 else { throw Open311Error(.badRequest, "service_request_id may name at most 500 requests") }
            filter.codes = ids
            filter.paging = Paging(limit: ids.count)
        } else {
            filter.categories = query.list("service_code")
            if let statuses = query.list("status") {
                let unknown = statuses.filter { $0 != "open" && $0 != "closed" }
                if !unknown.isEmpty { throw Open311Error(.badRequest, "status must be open, closed or both (got \(unknown.joined(separator: ",")))") }
                filter.status = statuses.count == 1 ? statuses[0] : nil
            }
            let start = try query.date("start_date"), end = try query.date("end_date")
            if let start, let end, end < start { throw Open311Error(.badRequest, "end_date is before start_date") }
            let window: TimeInterval = 90 * 86_400
            if let start, let end, end.timeIntervalSince(start) > window { throw Open311Error(.badRequest, "start_date to end_date may span at most 90 days") }
            filter.requestedFrom = start ?? end.map { $0.addingTimeInterval(-window) } ?? Date().addingTimeInterval(-window)
            filter.requestedUntil = end ?? start.map { $0.addingTimeInterval(window) }
            filter.updatedAfter = try query.date("updated_after")
            filter.updatedBefore = try query.date("updated_before")
            let pageSize = try query.integer("page_size", in: 1...500) ?? 50
            // The deepest page is bounded like every other list, so `(page - 1) × size` stays small.
            let page = try query.integer("page", in: 1...(Paging.maxOffset / pageSize + 1)) ?? 1
            filter.paging = Paging(limit: pageSize, offset: (page - 1) * pageSize)
        }
        let found = try await reports.list(filter, logger: logger)
        return Open311Document(root: "service_requests", value: .list(item: "request", try await requestValues(found, query, logger: logger)))
    }

    /// Requests as Open311 writes them, with their details read in one go.
    private func requestValues(_ reports: [FieldReportSummary], _ query: Open311Query, logger: Logger) async throws -> [Open311Value] {
        let extended = query["extensions"] == "true"
        let details = try await self.reports.open311Details(reports.map(\.code), history: extended, logger: logger)
        return reports.map { requestValue($0, details[$0.code], extended: extended) }
    }

    private func requestValue(_ report: FieldReportSummary, _ detail: FieldReportService.Open311Detail?, extended: Bool) -> Open311Value {
        // The result when there is one; otherwise the latest public step (a refusal's reason, a request for more).
        let notes = report.result ?? detail?.updates.last?.description
        var fields: [(String, Open311Value)] = [
            ("service_request_id", .text(report.code)),
            ("status", .text(report.status)),
            ("status_notes", .text(notes)),
            ("service_name", .text(report.categoryName)),
            ("service_code", .text(report.category)),
            ("description", .text(report.description)),
            ("agency_responsible", .text(report.unitName)),
            ("service_notice", .text(nil)),
            ("requested_datetime", .text(W3CDate.format(report.requestedAt))),
            ("updated_datetime", .text(W3CDate.format(report.updatedAt))),
            ("expected_datetime", .text(report.dueAt.map { W3CDate.format($0) })),
            ("address", .text(detail?.address)),
            ("address_id", .text(nil)),
            ("zipcode", .text(nil)),
            ("lat", .number(report.latitude)),
            ("long", .number(report.longitude)),
            ("media_url", .text(detail?.firstReportPhoto.map { publicBaseURL + $0 })),
        ]
        if extended {
            fields.append(("extended_attributes", .object([
                ("channel", .text(detail?.channel)),
                ("ward", .text(report.unit)),
                ("state", .text(report.state)),
                ("duplicate", .text(report.caseCode != nil ? "true" : "false")),
                ("parent_service_request_id", .text(report.caseCode)),
                ("supports", .integer(report.supports)),
                ("photos", .list(item: "photo", (detail?.photoURLs ?? []).map { .text(publicBaseURL + $0) })),
            ])))
            fields.append(("notes", .list(item: "note", (detail?.updates ?? []).map {
                .object([("datetime", .text(W3CDate.format($0.at))), ("type", .text(ReportStatus.extended($0.state, rejection: detail?.rejection))),
                         ("summary", .text($0.stateName)), ("description", .text($0.description))])
            })))
        }
        return .object(fields)
    }

    private func post(_ form: Open311Form, request: Request, logger: Logger) async throws -> Open311Document {
        try checkJurisdiction(form)
        guard let key = form["api_key"] else { throw Open311Error(.forbidden, "api_key is required to post a service request.") }
        guard let client = try await clients.authenticate(key, logger: logger) else { throw Open311Error(.forbidden, "api_key is not valid.") }
        guard let code = form["service_code"] else { throw Open311Error(.badRequest, "service_code is required.") }
        guard reports.settings.category(code) != nil else { throw Open311Error(.badRequest, "service_code '\(code)' is not a service of this city.") }
        var missing: [String] = []
        let latitude = try form.double("lat"), longitude = try form.double("long")
        if latitude == nil, longitude == nil, form["address_string"] == nil, form["address_id"] == nil, form.media.isEmpty {
            missing.append("a location is required: lat and long, or address_string")
        }
        if form["description"] == nil { missing.append("description is required") }
        if !missing.isEmpty { throw Open311Error(status: .badRequest, descriptions: missing) }
        let name = [form["first_name"], form["last_name"]].compactMap { $0 }.joined(separator: " ")
        let contact = [form["email"], form["phone"]].compactMap { $0 }.joined(separator: ", ")
        let new = NewFieldReport(category: code, description: form["description"] ?? "", latitude: latitude, longitude: longitude,
                                 address: form["address_string"] ?? form["address_id"], answers: form.attributes, photos: form.media,
                                 channel: .open311, reporterName: name.isEmpty ? nil : name, reporterContact: contact.isEmpty ? nil : contact)
        // A retrying client is recognised by its Idempotency-Key, or else by its device and the very same request.
        let dedupe: String?
        if let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!], !idempotencyKey.isEmpty {
            dedupe = "open311:\(client.id):key:\(idempotencyKey.prefix(200))"
        } else if let device = form["device_id"] {
            dedupe = "open311:\(client.id):device:\(device.prefix(200)):\(form.fingerprint)"
        } else {
            dedupe = nil
        }
        let filed = try await reports.fileReport(new, by: .init(accountID: nil, name: name.isEmpty ? client.name : name, contact: contact.isEmpty ? nil : contact,
                                                          clientID: client.id, channel: .open311),
                                           dedupeKey: dedupe, logger: logger)
        let notice = filed.caseCode.map { "Trùng vị trí với phản ánh \($0); kết quả xử lý theo phản ánh đó." }
        return Open311Document(root: "service_requests", value: .list(item: "request", [.object([
            ("service_request_id", .text(filed.code)),
            ("token", .text(filed.id.uuidString.lowercased())),
            ("service_notice", .text(notice)),
            ("account_id", .text(form["account_id"])),
        ])]), status: filed.replayed ? .ok : .created)
    }

    // MARK: mySociety updates

    private func updates(_ query: Open311Query, logger: Logger) async throws -> Open311Document {
        let end = try query.date("end_date") ?? Date()
        let start = try query.date("start_date") ?? end.addingTimeInterval(-86_400)
        if end < start { throw Open311Error(.badRequest, "end_date is before start_date") }
        if end.timeIntervalSince(start) > 90 * 86_400 { throw Open311Error(.badRequest, "start_date to end_date may span at most 90 days") }
        let found = try await reports.updates(from: start, until: end, logger: logger)
        return Open311Document(root: "service_requests_updates", value: .list(item: "request_update", found.map { update in
            .object([
                ("update_id", .text(String(update.id))),
                ("service_request_id", .text(update.code)),
                ("status", .text(ReportStatus.extended(update.state, rejection: update.rejection))),
                ("updated_datetime", .text(W3CDate.format(update.at))),
                ("description", .text(update.description)),
                ("media_url", .text(update.photoURL.map { publicBaseURL + $0 })),
            ])
        }))
    }

    /// A back-end system's update: it goes on the report's public timeline; moving the case stays with the unit.
    private func postUpdate(_ form: Open311Form, logger: Logger) async throws -> Open311Document {
        try checkJurisdiction(form)
        guard let key = form["api_key"] else { throw Open311Error(.forbidden, "api_key is required to post an update.") }
        guard let client = try await clients.authenticate(key, logger: logger) else { throw Open311Error(.forbidden, "api_key is not valid.") }
        guard let code = form["service_request_id"] else { throw Open311Error(.badRequest, "service_request_id is required.") }
        guard let description = form["description"] else { throw Open311Error(.badRequest, "description is required.") }
        if description.count > 4000 { throw Open311Error(.badRequest, "description is at most 4000 characters.") }
        let updateID = try await reports.addClientUpdate(to: code, description: description, client: client.name, externalID: form["update_id"],
                                                         logger: logger)
        return Open311Document(root: "service_request_updates", value: .list(item: "request_update", [.object([("update_id", .text(String(updateID)))])]))
    }
}

/// Query parameters with Open311's rule that an empty value counts as absent.
package struct Open311Query {
    let values: [String: String]

    init(_ parameters: Hummingbird.Parameters) {
        var values: [String: String] = [:]
        // Hummingbird has already percent-decoded the values.
        for (key, value) in parameters where values[String(key)] == nil { values[String(key)] = String(value) }
        self.values = values
    }

    package init(values: [String: String]) {
        self.values = values
    }

    subscript(_ key: String) -> String? {
        guard let value = values[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func list(_ key: String) -> [String]? {
        self[key].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    func date(_ key: String) throws -> Date? {
        guard let text = self[key] else { return nil }
        guard let date = W3CDate.parse(text) else { throw Open311Error(.badRequest, "\(key) must be a W3C date with a zone, e.g. 2026-11-01T00:00:00+07:00") }
        return date
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = self[key] else { return nil }
        guard let value = BoundedInteger.parse(text, in: range) else { throw Open311Error(.badRequest, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)") }
        return value
    }
}
