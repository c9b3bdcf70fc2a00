import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Platform
import Workflow

/// `/api/v1/field-reports`: filing, following, verifying, handling and the public figures.
struct FieldReportsRoutes: Sendable {
    let reports: FieldReportService
    let clients: Open311Clients
    /// Where the SOC's links are found once every module is built.
    let capabilities: Capabilities

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/field-report-categories", access: .everyone, summary: "Report categories with their questions and deadlines") { _, _ in
            JSONResponse(reports.settings.categories)
        }
        routes.on(.get, "/api/v1/field-reports", access: .everyone,
                  summary: "Public reports (category, unit, status, page, page_size)", use: publicList)
        routes.on(.post, "/api/v1/field-reports", access: .roles([.citizen, .business, .iocOperator]),
                  summary: "File a report (Idempotency-Key)", use: fileReport)
        routes.on(.get, "/api/v1/field-reports/mine", access: .signedIn, summary: "The caller's own reports", use: mine)
        routes.on(.get, "/api/v1/field-reports/nearby", access: .everyone, summary: "Open reports of a category near a point (category, lat, lon)",
                  use: nearby)
        routes.on(.get, "/api/v1/field-reports/figures", access: .everyone, summary: "Per-unit figures: received, on time, overdue, handling time, satisfaction",
                  use: figures)
        routes.on(.post, "/api/v1/field-reports/photo-location", access: .signedIn, summary: "Where a photo was taken (EXIF GPS), to suggest a location",
                  use: photoLocation)
        routes.on(.get, "/api/v1/field-reports/verification-queue", access: .roles([.iocOperator]), summary: "Reports waiting for verification",
                  use: verificationQueue)
        routes.on(.get, "/api/v1/field-reports/:code", access: .everyone, summary: "One report with its history (reporter only for staff)", use: show)
        routes.on(.post, "/api/v1/field-reports/:code/actions/:action", access: .signedIn, summary: "Take a workflow action on a report", use: takeAction)
        routes.on(.post, "/api/v1/field-reports/:code/rating", access: .roles([.citizen, .business]), summary: "Rate the result 1–5", use: rate)
        routes.on(.post, "/api/v1/field-reports/:code/supports", access: .roles([.citizen, .business]), summary: "\"Me too\": support a report",
                  use: support)
        routes.on(.get, "/api/v1/field-reports/:code/photos/:id", access: .everyone, summary: "A report photo (metadata removed)", use: photo)
        routes.on(.get, "/api/v1/units/:unit/field-report-queue", access: .roles([.officer, .unitLeader]),
                  summary: "A unit's reports (filter: open, due-soon, overdue, waiting-for-applicant, unassigned)", use: unitQueue)
        routes.on(.get, "/api/v1/open311/clients", access: .roles([.admin]), summary: "Open311 clients and their key prefixes") { _, context in
            JSONResponse(try await clients.list(logger: context.logger))
        }
        routes.on(.post, "/api/v1/open311/clients", access: .roles([.admin]), summary: "Issue an Open311 api_key (shown once)") { request, context in
            var request = request
            let input = try await request.decodeJSON(as: NewClient.self, context: context)
            let issued = try await clients.create(name: input.name, by: try context.requirePrincipal().username, logger: context.logger)
            return JSONResponse(issued, status: .created)
        }
        routes.on(.post, "/api/v1/open311/clients/:id/revoke", access: .roles([.admin]), summary: "Revoke an Open311 client's key") { _, context in
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No such Open311 client.") }
            return JSONResponse(try await clients.revoke(id, by: try context.requirePrincipal().username, logger: context.logger))
        }
    }

    struct NewClient: Decodable {
        var name: String
    }

    static func viewer(_ context: HuesRequestContext) -> ReportViewer {
        context.principal.map(ReportViewer.init) ?? .anonymous
    }

    @Sendable func publicList(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[FieldReportSummary]> {
        let query = request.uri.queryParameters
        let paging = try Paging.pages(request)
        if let status = query.get("status"), status != "open", status != "closed" {
            throw Problem.validation([.init(field: "status", message: "open or closed")])
        }
        let filter = FieldReportService.ListFilter(categories: query.get("category").map { [$0] }, unit: query.get("unit"), status: query.get("status"),
                                                   paging: paging)
        return JSONResponse(try await reports.list(filter, logger: context.logger))
    }

    @Sendable func fileReport(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let principal = try context.requirePrincipal()
        let key = request.headers[Self.idempotencyKey]
        if let key, key.isEmpty || key.count > 200 { throw Problem.validation([.init(field: "Idempotency-Key", message: "1–200 characters")]) }
        let input = try await request.decodeJSON(as: NewFieldReport.self, context: context)
        // Only the operations centre's own operators take reports by hotline or camera.
        let isOperator = principal.grants.contains(RoleGrant(role: .iocOperator, unitCode: reports.settings.intakeUnit))
        // An operator files for someone who called or for a camera; a citizen files as themself.
        let channel = input.channel ?? (isOperator ? .hotline : .web)
        if isOperator, ![.hotline, .camera].contains(channel) {
            throw Problem.validation([.init(field: "channel", message: "operators file reports taken by hotline or camera")])
        }
        if !isOperator, [.hotline, .camera, .open311].contains(channel) {
            throw Problem.validation([.init(field: "channel", message: "app or web")])
        }
        let reporter = isOperator
            ? FieldReportService.Reporter(accountID: nil, name: input.reporterName ?? (channel == .camera ? "Camera giám sát" : nil),
                                          contact: input.reporterContact, channel: channel)
            : FieldReportService.Reporter(accountID: principal.accountID, name: principal.displayName, contact: nil, channel: channel)
        let filed = try await reports.fileReport(input, by: reporter, dedupeKey: key.map { "api:\(principal.accountID):\($0)" }, logger: context.logger)
        var headers: HTTPFields = [.location: "/api/v1/field-reports/\(filed.code)"]
        if filed.replayed { headers[Self.replayed] = "true" }
        let view = try await reports.view(code: filed.code, for: ReportViewer(principal), logger: context.logger)
        return try JSONResponse(view, status: filed.replayed ? .ok : .created, headers: headers).response(from: request, context: context)
    }

    @Sendable func mine(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[FieldReportSummary]> {
        let filter = FieldReportService.ListFilter(reporterID: try context.requirePrincipal().accountID, publicOnly: false, paging: try Paging.pages(request))
        return JSONResponse(try await reports.list(filter, logger: context.logger))
    }

    @Sendable func nearby(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[NearbyReport]> {
        let query = request.uri.queryParameters
        guard let category = query.get("category") else { throw Problem.validation([.init(field: "category", message: "required")]) }
        guard let lat = try request.queryNumber("lat", in: -90...90), let lon = try request.queryNumber("lon", in: -180...180) else {
            throw Problem.validation([.init(field: "lat", message: "lat and lon are required decimal degrees")])
        }
        return JSONResponse(try await reports.nearby(category: category, at: GeoPoint(latitude: lat, longitude: lon), logger: context.logger))
    }

    struct FiguresAnswer: Codable, Sendable {
        var since: Date
        var units: [FieldReportService.UnitFigures]
    }

    @Sendable func figures(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<FiguresAnswer> {
        var since = Date().addingTimeInterval(-90 * 86_400)
        if let text = request.uri.queryParameters.get("since") {
            guard let date = W3CDate.parse(text) else { throw Problem.validation([.init(field: "since", message: "a date and time with a zone")]) }
            since = date
        }
        return JSONResponse(FiguresAnswer(since: since, units: try await reports.figures(since: since, logger: context.logger)))
    }

    struct PhotoLocation: Codable, Sendable {
        var latitude: Double
        var longitude: Double
        var insideCity: Bool
        var unit: String?
    }

    @Sendable func photoLocation(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<PhotoLocation> {
        var request = request
        let body = try await request.collectBody(upTo: PhotoCleaner.maxBytes + 1)
        let photo: CleanPhoto
        do { photo = try PhotoCleaner.clean(Data(buffer: body)) } catch let problem as PhotoProblem {
            throw Problem.unprocessable([.init(field: "photo", message: "the file \(problem)")])
        }
        guard let location = photo.location else { throw Problem.notFound("The photo carries no GPS position.") }
        let inside = reports.boundaries?.insideCity(location) ?? true
        return JSONResponse(PhotoLocation(latitude: location.latitude, longitude: location.longitude, insideCity: inside,
                                          unit: inside ? reports.boundaries?.unit(at: location) : nil))
    }

    @Sendable func verificationQueue(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[FieldReportSummary]> {
        guard ReportViewer(try context.requirePrincipal()).isOperator(of: reports.settings.intakeUnit) else {
            throw Problem.forbidden("Only the operations centre's operators verify reports.")
        }
        return JSONResponse(try await reports.verificationQueue(try Paging.pages(request), logger: context.logger))
    }

    @Sendable func show(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<FieldReportView> {
        let viewer = Self.viewer(context)
        var view = try await reports.view(code: context.parameters.get("code") ?? "", for: viewer, logger: context.logger)
        view.securityIncidents = try await FieldReportCases(reports: reports)
            .incidents(for: view, viewer: viewer, links: capabilities.first((any SecurityIncidentLinks).self), logger: context.logger)
        return JSONResponse(view)
    }

    @Sendable func takeAction(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<FieldReportView> {
        var request = request
        let input = try await request.decodeJSON(as: ReportAction.self, context: context)
        return JSONResponse(try await reports.takeAction(context.parameters.get("action") ?? "", on: context.parameters.get("code") ?? "", with: input,
                                                  by: ReportViewer(try context.requirePrincipal()), logger: context.logger))
    }

    @Sendable func rate(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<FieldReportView> {
        var request = request
        let input = try await request.decodeJSON(as: ReportRating.self, context: context)
        return JSONResponse(try await reports.rate(context.parameters.get("code") ?? "", rating: input, by: ReportViewer(try context.requirePrincipal()),
                                                   logger: context.logger))
    }

    @Sendable func support(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<FieldReportView> {
        JSONResponse(try await reports.support(context.parameters.get("code") ?? "", by: ReportViewer(try context.requirePrincipal()),
                                               logger: context.logger))
    }

    @Sendable func photo(_ request: Request, context: HuesRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No such photo.") }
        let (bytes, type, isPublic) = try await reports.photo(id, of: context.parameters.get("code") ?? "", for: Self.viewer(context), logger: context.logger)
        // A private report's photo must never be kept by a shared cache and handed to the next person who asks.
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: isPublic ? "public, max-age=3600" : "private, no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    @Sendable func unitQueue(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[FieldReportSummary]> {
        let unit = context.parameters.get("unit") ?? ""
        let viewer = ReportViewer(try context.requirePrincipal())
        guard viewer.isStaff(of: unit) else {
            throw Problem.forbidden("Only the unit's own staff see its queue.")
        }
        let filterName = request.uri.queryParameters.get("filter") ?? QueueFilter.open.rawValue
        guard let filter = QueueFilter(rawValue: filterName) else {
            throw Problem.validation([.init(field: "filter", message: QueueFilter.allCases.map(\.rawValue).joined(separator: ", "))])
        }
        return JSONResponse(try await reports.unitQueue(unit, filter: filter, logger: context.logger))
    }
}
