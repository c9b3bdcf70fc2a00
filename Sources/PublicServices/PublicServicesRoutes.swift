import Foundation
import Hummingbird
import Documents
import Platform
import Workflow

/// `/api/v1/procedures`, `/api/v1/dossiers`, the counter, unit queues and the public lookup.
struct PublicServicesRoutes: Sendable {
    let catalogue: ProcedureCatalogue
    let dossiers: DossierService
    let publicBaseURL: String

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/procedures", access: .everyone, summary: "The procedure catalogue (q, sector)", use: listProcedures)
        routes.on(.get, "/api/v1/procedures/:code", access: .everyone, summary: "A procedure's current version", use: showProcedure)
        routes.on(.get, "/api/v1/procedures/:code/versions", access: .everyone, summary: "Every published version of a procedure", use: versions)
        routes.on(.post, "/api/v1/dossiers", access: .roles([.citizen, .business]), summary: "File a dossier online", use: fileDossier)
        routes.on(.post, "/api/v1/counter/dossiers", access: .roles([.officer, .unitLeader]), summary: "File and receive a dossier at a counter",
                  use: fileAtCounter)
        routes.on(.get, "/api/v1/dossiers", access: .signedIn, summary: "The caller's own dossiers", use: mine)
        routes.on(.get, "/api/v1/dossiers/:code", access: .signedIn, summary: "One dossier with its history and possible actions", use: show)
        routes.on(.post, "/api/v1/dossiers/:code/actions/:action", access: .signedIn, summary: "Take a workflow action on a dossier", use: takeAction)
        routes.on(.post, "/api/v1/dossiers/:code/rating", access: .roles([.citizen, .business]), summary: "Rate a returned dossier", use: rate)
        routes.on(.get, "/api/v1/dossiers/:code/receipt", access: .signedIn, summary: "The receipt and appointment slip (form 01) as PDF",
                  use: receipt)
        routes.on(.get, "/api/v1/dossiers/:code/attachments/:id", access: .signedIn, summary: "Download a dossier's file", use: download)
        routes.on(.get, "/api/v1/dossier-lookup/:code", access: .everyone, summary: "Public status of a dossier by its code", use: lookup)
        routes.on(.get, "/api/v1/units/:unit/dossier-queue", access: .roles([.officer, .unitLeader]),
                  summary: "A unit's dossier queue (filter, mine)", use: queue)
        routes.on(.get, "/api/v1/units/:unit/dossier-backlog", access: .roles([.unitLeader]), summary: "A unit's backlog by queue and officer",
                  use: backlog)
        routes.on(.get, "/api/v1/units/:unit/dossier-register", access: .roles([.officer, .unitLeader]),
                  summary: "Dossiers received by a unit in a period (form 07)", use: register)
    }

    @Sendable func listProcedures(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[PublishedProcedure]> {
        let query = request.uri.queryParameters
        return JSONResponse(try await catalogue.list(search: request.formQuery("q"), sector: query.get("sector"), logger: context.logger))
    }

    @Sendable func showProcedure(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<PublishedProcedure> {
        let code = context.parameters.get("code") ?? ""
        guard let procedure = try await catalogue.current(code, logger: context.logger) else { throw Problem.notFound("No procedure '\(code)'.") }
        return JSONResponse(procedure)
    }

    @Sendable func versions(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[PublishedProcedure]> {
        let code = context.parameters.get("code") ?? ""
        let versions = try await catalogue.versions(code, logger: context.logger)
        if versions.isEmpty { throw Problem.notFound("No procedure '\(code)'.") }
        return JSONResponse(versions)
    }

    @Sendable func fileDossier(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<DossierView> {
        var request = request
        let input = try await request.decodeJSON(as: NewDossier.self, context: context)
        let dossier = try await dossiers.fileDossier(input, by: try context.requirePrincipal(), atCounter: false, logger: context.logger)
        return JSONResponse(dossier, status: .created, headers: [.location: "/api/v1/dossiers/\(dossier.code)"])
    }

    @Sendable func fileAtCounter(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<DossierView> {
        var request = request
        let input = try await request.decodeJSON(as: NewDossier.self, context: context)
        let dossier = try await dossiers.fileDossier(input, by: try context.requirePrincipal(), atCounter: true, logger: context.logger)
        return JSONResponse(dossier, status: .created, headers: [.location: "/api/v1/dossiers/\(dossier.code)"])
    }

    @Sendable func mine(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[DossierSummary]> {
        return JSONResponse(try await dossiers.mine(try context.requirePrincipal(), paging: try Paging.window(request), logger: context.logger))
    }

    @Sendable func show(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<DossierView> {
        JSONResponse(try await dossiers.view(code: context.parameters.get("code") ?? "", for: try context.requirePrincipal(), logger: context.logger))
    }

    @Sendable func takeAction(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<DossierView> {
        var request = request
        let input = try await request.decodeJSON(as: DossierAction.self, context: context)
        return JSONResponse(try await dossiers.takeAction(context.parameters.get("action") ?? "", on: context.parameters.get("code") ?? "", with: input,
                                                   by: try context.requirePrincipal(), logger: context.logger))
    }

    @Sendable func rate(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<DossierView> {
        var request = request
        let input = try await request.decodeJSON(as: Rating.self, context: context)
        return JSONResponse(try await dossiers.rate(context.parameters.get("code") ?? "", input, by: try context.requirePrincipal(),
                                                    logger: context.logger))
    }

    @Sendable func download(_ request: Request, context: HuesRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No such file.") }
        let (info, data) = try await dossiers.attachment(id, of: context.parameters.get("code") ?? "", for: try context.requirePrincipal(),
                                                         logger: context.logger)
        let safeName = info.fileName.filter { $0.isASCII && $0 != "\"" && $0 != "\\" && !$0.isNewline }
        return Response(status: .ok, headers: [.contentType: info.mediaType, .contentDisposition: "attachment; filename=\"\(safeName)\"",
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    @Sendable func receipt(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let view = try await dossiers.view(code: context.parameters.get("code") ?? "", for: try context.requirePrincipal(), logger: context.logger)
        guard view.receivedAt != nil else { throw Problem.conflict("The dossier has not been received yet: there is no receipt slip.") }
        let slip = ReceiptSlip(view: view, receivingUnit: dossiers.units[view.receivingUnit]?.name ?? view.receivingUnit,
                               competentUnit: dossiers.units[view.competentUnit]?.name ?? view.competentUnit,
                               lookupURL: "\(publicBaseURL)/lookup?code=\(view.code)", localTime: dossiers.localTime)
        let pdf: [UInt8]
        do { pdf = try slip.pdf() } catch let error as TrueTypeFont.FormatError {
            throw Problem(status: .serviceUnavailable, type: "pdf-unavailable", title: "PDF documents are unavailable", detail: error.description)
        }
        return Response(status: .ok, headers: [.contentType: "application/pdf", .contentDisposition: "inline; filename=\"\(view.code)-01.pdf\"",
                                               .cacheControl: "private, no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
    }

    @Sendable func lookup(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<PublicDossierStatus> {
        JSONResponse(try await dossiers.lookup(context.parameters.get("code") ?? "", logger: context.logger))
    }

    @Sendable func queue(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<DossierQueue> {
        let query = request.uri.queryParameters
        var filter = QueueFilter.open
        if let raw = query.get("filter") {
            guard let parsed = QueueFilter(rawValue: raw) else {
                throw Problem.validation([.init(field: "filter", message: "one of \(QueueFilter.allCases.map(\.rawValue).joined(separator: ", "))")])
            }
            filter = parsed
        }
        return JSONResponse(try await dossiers.queue(unit: context.parameters.get("unit") ?? "", filter: filter, mine: query.get("mine") == "true",
                                                     for: try context.requirePrincipal(), paging: try Paging.window(request), logger: context.logger))
    }

    @Sendable func backlog(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<DossierBacklog> {
        JSONResponse(try await dossiers.backlog(unit: context.parameters.get("unit") ?? "", for: try context.requirePrincipal(), logger: context.logger))
    }

    @Sendable func register(_ request: Request, context: HuesRequestContext) async throws -> JSONResponse<[DossierSummary]> {
        let query = request.uri.queryParameters
        guard let from = query.get("from").flatMap(CivilDate.init), let through = query.get("to").flatMap(CivilDate.init), from <= through,
              through.dayNumber - from.dayNumber <= 366
        else { throw Problem.validation([.init(field: "from", message: "give from and to as YYYY-MM-DD, at most a year apart")]) }
        return JSONResponse(try await dossiers.register(unit: context.parameters.get("unit") ?? "", from: from, through: through,
                                                        for: try context.requirePrincipal(), logger: context.logger))
    }

}
