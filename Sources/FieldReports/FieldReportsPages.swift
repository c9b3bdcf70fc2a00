import Foundation
import Hummingbird
import Platform
import Web
import Workflow

/// The citizen's pages (file and follow a report), the public map and list with per-unit figures, the operations
/// centre's verification console and a unit's console.
struct FieldReportsPages: Sendable {
    let reports: FieldReportService
    let renderer: PageRenderer
    /// Where the SOC's links are: the handling unit's staff and the operations centre see a report's incidents.
    let capabilities: Capabilities

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/reports", access: .everyone, kind: .page, summary: "Reports on a map and in a list, with each unit's figures", use: publicPage)
        routes.on(.get, "/reports/new", access: .roles([.citizen, .business]), kind: .page, summary: "Report a problem", use: newForm)
        routes.on(.post, "/reports/new", access: .roles([.citizen, .business]), kind: .page, summary: "File a report from the form", use: fileReport)
        routes.on(.get, "/reports/mine", access: .signedIn, kind: .page, summary: "My reports", use: mine)
        routes.on(.get, "/reports/:code", access: .everyone, kind: .page, summary: "A report, its history and result", use: show)
        routes.on(.post, "/reports/:code/act/:action", access: .signedIn, kind: .page, summary: "Take an action from the report page", use: takeAction)
        routes.on(.post, "/reports/:code/rate", access: .roles([.citizen, .business]), kind: .page, summary: "Rate the result", use: rate)
        routes.on(.post, "/reports/:code/support", access: .roles([.citizen, .business]), kind: .page, summary: "Support a report", use: support)
        routes.on(.get, "/ioc/reports", access: .roles([.iocOperator]), kind: .page, summary: "Verification console", use: verification)
        routes.on(.get, "/unit/reports", access: .roles([.officer, .unitLeader]), kind: .page, summary: "A unit's report console", use: unitConsole)
    }

    var map: ReportMap? {
        reports.boundaries.map { ReportMap(boundaries: $0, unitNames: reports.units.mapValues(\.name)) }
    }

    /// Mustache renders a section for any string, even an empty one: leave absent values out.
    static func present(_ values: [String: Any]) -> [String: Any] {
        values.filter { !(($0.value as? String)?.isEmpty ?? false) }
    }

    func time(_ date: Date?) -> String { renderer.clock.text(date) }

    func categoryName(_ category: ReportCategory, _ language: String) -> String {
        language == "en" ? (category.nameEn ?? category.name) : category.name
    }

    func row(_ summary: FieldReportSummary, _ language: String) -> [String: Any] {
        let category = reports.settings.category(summary.category)
        return ["code": summary.code, "category": category.map { categoryName($0, language) } ?? summary.category,
                "description": String(summary.description.prefix(140)), "state": summary.state,
                "stateName": reports.stateName(summary.state, english: language == "en"), "unitName": summary.unitName,
                "requestedAt": time(summary.requestedAt), "dueAt": time(summary.dueAt), "overdue": summary.overdue,
                "supports": summary.supports, "caseCode": summary.caseCode ?? ""]
    }

    // MARK: Public

    @Sendable func publicPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let language = context.language
        let category = query.get("category").flatMap { reports.settings.category($0) }?.code
        let status = query.get("status").flatMap { ["open", "closed"].contains($0) ? $0 : nil }
        let paging = try Paging.pages(page: try request.queryInteger("page", in: 1...Paging.maxPage) ?? 1, size: 50)
        let page = paging.page
        let core = query.get("map") != "city"
        let list = try await reports.list(.init(categories: category.map { [$0] }, status: status, paging: paging), logger: context.logger)
        let figures = try await reports.recentFigures(logger: context.logger)
        // With Leaflet installed the browser draws the map from the feed; without it, the reports are drawn into the page.
        let interactive = renderer.chrome.map != nil
        let svg = interactive ? "" : try await svgMap(category: category, status: status, core: core, context: context)
        var filterQuery = [category.map { "category=\($0)" }, status.map { "status=\($0)" }].compactMap { $0 }.joined(separator: "&amp;")
        if !filterQuery.isEmpty { filterQuery += "&amp;" }
        let centre = map?.box(core: true)
        return try renderer.page("reports", title: "reports_title", context: context, values: [
            "map": svg, "core": core, "filterQuery": filterQuery,
            "mapCenter": centre?.centre ?? "",
            "mapFilter": [category.map { "category=\($0)" }, status.map { "status=\($0)" }].compactMap { $0 }.joined(separator: "&"),
            "categories": reports.settings.categories.map { ["code": $0.code, "name": categoryName($0, language), "selected": $0.code == category] },
            "statusOpen": status == "open", "statusClosed": status == "closed",
            "reports": list.map { row($0, language) }, "empty": list.isEmpty,
            "previous": page > 1 ? page - 1 : 0, "next": list.count == 50 ? page + 1 : 0, "page": page,
            "figures": figures.map { figure in
                ["unitName": figure.unitName, "received": figure.received, "resolved": figure.resolved, "onTime": figure.onTime,
                 "overdue": figure.overdue, "hours": figure.averageHandlingHours.map { String(format: "%.1f", $0) } ?? "–",
                 "satisfaction": figure.satisfaction.map { String(format: "%.2f", $0) } ?? "–", "ratings": figure.ratings] as [String: Any]
            },
            "approximate": reports.boundaries?.isApproximate ?? false,
            "mayFile": context.principal.map { $0.has(.citizen) || $0.has(.business) } ?? true,
        ])
    }

    /// The plain SVG map with up to 1,500 reports drawn in: for a platform without Leaflet.
    func svgMap(category: String?, status: String?, core: Bool, context: HuesRequestContext) async throws -> String {
        let language = context.language
        let pins = try await reports.list(.init(categories: category.map { [$0] }, status: status, paging: Paging(limit: 1500)), logger: context.logger)
        let words = renderer.translations.table(for: language)
        return map?.svg(points: pins.compactMap { pin in
            guard let latitude = pin.latitude, let longitude = pin.longitude else { return nil }
            return ReportMap.Point(code: pin.code, latitude: latitude, longitude: longitude, status: pin.status, overdue: pin.overdue,
                                   label: "\(pin.categoryName) · \(reports.stateName(pin.state, english: language == "en"))")
        }, core: core, title: words["reports_map"] ?? "Map") ?? ""
    }

    // MARK: Filing

    @Sendable func newForm(_ request: Request, context: HuesRequestContext) async throws -> Response {
        try form(category: request.uri.queryParameters.get("category"), context: context)
    }

    func form(category code: String?, context: HuesRequestContext, errors: [Problem.FieldError] = [], detail: String? = nil,
              status: HTTPResponse.Status = .ok, values: [String: String] = [:]) throws -> Response {
        let language = context.language
        guard let code, let category = reports.settings.category(code) else {
            var groups: [String: [[String: Any]]] = [:]
            var order: [String] = []
            for category in reports.settings.categories {
                let group = (language == "en" ? category.groupEn : category.group) ?? ""
                if groups[group] == nil { order.append(group) }
                groups[group, default: []].append(["code": category.code, "name": categoryName(category, language),
                                                   "description": category.description ?? ""])
            }
            return try renderer.page("report-categories", title: "report_new_title", context: context,
                                     values: ["groups": order.map { ["name": $0, "categories": groups[$0] ?? []] as [String: Any] }])
        }
        let questions: [[String: Any]] = (category.questions ?? []).map { question in
            let name = language == "en" ? (question.nameEn ?? question.name) : question.name
            let choices = (question.values ?? []).map { ["key": $0.key, "name": language == "en" ? ($0.nameEn ?? $0.name) : $0.name] }
            return ["code": question.code, "name": name, "required": question.required, "choices": choices,
                    "single": question.datatype == .singlevaluelist, "multiple": question.datatype == .multivaluelist,
                    "number": question.datatype == .number, "text": question.datatype == .text,
                    "line": question.datatype == .string || question.datatype == .datetime, "value": values["answer.\(question.code)"] ?? "",
                    "error": errors.first { $0.field == "answers.\(question.code)" }?.message ?? ""].filter { !(($0.value as? String)?.isEmpty ?? false) }
        }
        return try renderer.page("report-form", title: "report_new_title", context: context, values: Self.present([
            "category": category.code, "categoryName": categoryName(category, language), "deadline": category.deadline.description,
            "questions": questions, "anonymousAllowed": category.anonymousAllowed ?? false, "isPrivate": !category.isPublic,
            "maxPhotoBytes": PhotoCleaner.maxBytes, "maxPhotos": ReportValidation.maxPhotos,
            "mapCenter": map?.box(core: true).centre ?? "",
            "description": values["description"] ?? "", "latitude": values["latitude"] ?? "", "longitude": values["longitude"] ?? "",
            "address": values["address"] ?? "", "detail": detail ?? "", "errors": errors.map { ["field": $0.field, "message": $0.message] },
        ]), status: status)
    }

    @Sendable func fileReport(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let principal = try context.requirePrincipal()
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) else {
            throw Problem.badRequest("The report form is sent as multipart/form-data.")
        }
        let form = try MultipartForm(body: Data(buffer: body), boundary: boundary)
        var values: [String: String] = [:]
        var answers: [String: [String]] = [:]
        for part in form.parts where part.fileName == nil {
            let text = String(decoding: part.data, as: UTF8.self)
            values[part.name] = text
            if part.name.hasPrefix("answer."), !text.isEmpty { answers[String(part.name.dropFirst(7)), default: []].append(text) }
        }
        // A form kept offline on a shared phone is sent by whoever is signed in when the signal returns: it must be them.
        if let reporter = values["reporter"], !reporter.isEmpty, reporter != principal.username {
            throw Problem.conflict("This report was made by another person signed in on this device; it is kept for them.")
        }
        let category = values["category"] ?? ""
        let new = NewFieldReport(category: category, description: values["description"] ?? "",
                                 latitude: values["latitude"].flatMap { Double($0.replacingOccurrences(of: ",", with: ".")) },
                                 longitude: values["longitude"].flatMap { Double($0.replacingOccurrences(of: ",", with: ".")) },
                                 address: values["address"], answers: answers, photos: form.files("photos").map(\.data), channel: .web,
                                 anonymous: values["anonymous"] == "true")
        do {
            let filed = try await reports.fileReport(new, by: .init(accountID: principal.accountID, name: principal.displayName, contact: nil, channel: .web),
                                               dedupeKey: values["draft"].flatMap { $0.isEmpty ? nil : "web:\(principal.accountID):\($0.prefix(100))" },
                                               logger: context.logger)
            return Response(status: .seeOther, headers: [.location: "/reports/\(filed.code)"])
        } catch let problem as Problem where problem.status == .unprocessableContent || problem.status == .conflict {
            return try self.form(category: category, context: context, errors: problem.errors, detail: problem.detail, status: problem.status,
                                 values: values)
        }
    }

    @Sendable func mine(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let list = try await reports.list(.init(reporterID: try context.requirePrincipal().accountID, publicOnly: false, paging: Paging(limit: 200)), logger: context.logger)
        return try renderer.page("reports-mine", title: "reports_mine_title", context: context,
                                 values: ["reports": list.map { row($0, context.language) }, "empty": list.isEmpty])
    }

    // MARK: One report

    @Sendable func show(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let viewer = context.principal.map(ReportViewer.init) ?? .anonymous
        let report = try await reports.view(code: context.parameters.get("code") ?? "", for: viewer, logger: context.logger)
        let language = context.language
        let english = language == "en"
        let category = reports.settings.category(report.category)
        let definition = reports.workflow.library[reports.settings.process]
        let workflowActions: [[String: Any]] = report.actions.compactMap { code in
            guard let action = definition?.action(code) else { return nil }
            let flow = ReportFlowAction(rawValue: code)
            let accepting: Bool = flow == .accept
            let needsNote: Bool = flow == .resolve || flow == .askInfo || flow == .provideInfo
            let needsReason: Bool = flow == .reject || flow == .transfer || flow == .reopen
            let needsUnit: Bool = flow == .transfer || (accepting && report.unit == reports.settings.intakeUnit)
            let needsRejection: Bool = flow == .reject
            let needsInto: Bool = flow == .merge
            let takesPhotos: Bool = flow == .resolve
            return ["code": code, "name": english ? (action.nameEn ?? action.name) : action.name, "needsNote": needsNote, "needsReason": needsReason,
                    "needsUnit": needsUnit, "optionalUnit": accepting, "needsRejection": needsRejection, "needsInto": needsInto, "takesPhotos": takesPhotos]
        }
        let answers: [[String: String]] = (category?.questions ?? []).compactMap { question in
            guard let values = report.answers[question.code] else { return nil }
            let names = values.map { value in
                question.values?.first { $0.key == value }.map { english ? ($0.nameEn ?? $0.name) : $0.name } ?? value
            }
            return ["name": english ? (question.nameEn ?? question.name) : question.name, "value": names.joined(separator: ", ")]
        }
        var pin: [ReportMap.Point] = []
        if let latitude = report.latitude, let longitude = report.longitude {
            pin = [ReportMap.Point(code: report.code, latitude: latitude, longitude: longitude, status: report.status, overdue: report.overdue,
                                   label: report.categoryName)]
        }
        let units = reports.units.values.filter { $0.parent != nil }.sorted { $0.name < $1.name }.map { ["code": $0.code, "name": $0.name] }
        let incidents = try await FieldReportCases(reports: reports)
            .incidents(for: report, viewer: viewer, links: capabilities.first((any SecurityIncidentLinks).self), logger: context.logger) ?? []
        return try renderer.page("report", title: "report_title", context: context, values: Self.present([
            "securityIncidents": incidents.map { ["id": $0.id, "title": $0.title, "level": $0.level, "state": $0.state, "path": $0.path] },
            "hasSecurityIncidents": !incidents.isEmpty,
            "code": report.code, "reportCode": report.code, "category": category.map { categoryName($0, language) } ?? report.category, "description": report.description,
            "address": report.address ?? "", "latitude": report.latitude.map { String(format: "%.5f", $0) } ?? "",
            "longitude": report.longitude.map { String(format: "%.5f", $0) } ?? "", "state": report.state,
            "stateName": reports.stateName(report.state, english: english), "unitName": report.unitName, "requestedAt": time(report.requestedAt),
            "dueAt": time(report.dueAt), "overdue": report.overdue, "onTime": report.onTime == true, "late": report.onTime == false,
            "result": report.result ?? "", "supports": report.supports, "rating": report.rating ?? 0, "caseCode": report.caseCode ?? "",
            "members": report.members, "answers": answers, "hasMembers": !report.members.isEmpty,
            "hasPhotos": report.photos.contains { $0.purpose == "report" }, "hasResultPhotos": report.photos.contains { $0.purpose == "result" },
            "photos": report.photos.filter { $0.purpose == "report" }.map { ["url": $0.url] },
            "resultPhotos": report.photos.filter { $0.purpose == "result" }.map { ["url": $0.url] },
            "updates": report.updates.reversed().map { ["at": time($0.at), "stateName": $0.stateName, "description": $0.description,
                                                        "author": $0.author] },
            "reporter": report.reporter.map { ["name": $0.name ?? "", "contact": $0.contact ?? "", "anonymous": $0.anonymous] as [String: Any] } ?? "",
            "actions": workflowActions, "units": units,
            "mayRate": report.actions.contains("rate"), "maySupport": report.actions.contains("support"),
            "reopenUntil": time(report.reopenUntil),
            "map": pin.isEmpty || renderer.chrome.map != nil ? "" : (map?.svg(points: pin, core: true, title: report.code) ?? ""),
            "points": pin.isEmpty ? "" : try Self.geoJSON(pin), "mapCenter": map?.box(core: true).centre ?? "",
            "error": request.uri.queryParameters.get("error") ?? "",
        ]))
    }

    @Sendable func takeAction(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let code = context.parameters.get("code") ?? ""
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        var fields: [String: String] = [:]
        var photos: [Data] = []
        if let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) {
            let form = try MultipartForm(body: Data(buffer: body), boundary: boundary)
            for part in form.parts where part.fileName == nil { fields[part.name] = String(decoding: part.data, as: UTF8.self) }
            photos = form.files("photos").map(\.data)
        } else {
            fields = FormFields(String(buffer: body)).values
        }
        func text(_ key: String) -> String? { fields[key].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } }
        let input = ReportAction(note: text("note"), reason: text("reason"), unit: text("unit"), rejection: text("rejection"), into: text("into"),
                                 photos: photos.isEmpty ? nil : photos)
        return try await redirecting(to: code) {
            _ = try await reports.takeAction(context.parameters.get("action") ?? "", on: code, with: input,
                                      by: ReportViewer(try context.requirePrincipal()), logger: context.logger)
        }
    }

    @Sendable func rate(_ request: Request, context: HuesRequestContext) async throws -> Response {
        var request = request
        let code = context.parameters.get("code") ?? ""
        let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
        return try await redirecting(to: code) {
            _ = try await reports.rate(code, rating: ReportRating(stars: Int(form["stars"] ?? "") ?? 0, comment: form["comment"].flatMap { $0.isEmpty ? nil : $0 }),
                                       by: ReportViewer(try context.requirePrincipal()), logger: context.logger)
        }
    }

    @Sendable func support(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        return try await redirecting(to: code) {
            _ = try await reports.support(code, by: ReportViewer(try context.requirePrincipal()), logger: context.logger)
        }
    }

    /// Back to the report page, with the refusal's words when there is one.
    func redirecting(to code: String, _ body: () async throws -> Void) async throws -> Response {
        do {
            try await body()
            return Response(status: .seeOther, headers: [.location: "/reports/\(code)"])
        } catch let problem as Problem where problem.status.code < 500 && problem.status != .notFound {
            let message = ([problem.detail] + problem.errors.map { "\($0.field): \($0.message)" }).joined(separator: " ")
            return Response(status: .seeOther,
                            headers: [.location: "/reports/\(code)?error=\(message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"])
        } catch let refusal as TransitionRefusal {
            return Response(status: .seeOther, headers: [
                .location: "/reports/\(code)?error=\(refusal.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
            ])
        }
    }

    // MARK: Consoles

    /// Points as a GeoJSON FeatureCollection for a map drawn from the page itself (a console's queue, one report).
    static func geoJSON(_ points: [ReportMap.Point]) throws -> String {
        let features: [[String: Any]] = points.map { point in
            ReportMapFeed.feature(latitude: point.latitude, longitude: point.longitude,
                                  properties: ["code": point.code, "status": point.overdue ? "overdue" : point.status, "label": point.label])
        }
        let data = try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Sendable func verification(_ request: Request, context: HuesRequestContext) async throws -> Response {
        guard ReportViewer(try context.requirePrincipal()).isOperator(of: reports.settings.intakeUnit) else {
            throw Problem.forbidden("Only the operations centre's operators verify reports.")
        }
        let queue = try await reports.verificationQueue(Paging(limit: 200), logger: context.logger)
        let words = renderer.translations.table(for: context.language)
        let points = queue.compactMap { item -> ReportMap.Point? in
            guard let latitude = item.latitude, let longitude = item.longitude else { return nil }
            return ReportMap.Point(code: item.code, latitude: latitude, longitude: longitude, status: "open", overdue: item.overdue, label: item.categoryName)
        }
        // With Leaflet the queue's points go to the browser as GeoJSON in the page (the console's own, already authorised list).
        let svg = renderer.chrome.map != nil ? "" : (map?.svg(points: points, core: true, title: words["reports_map"] ?? "Map") ?? "")
        return try renderer.page("ioc-reports", title: "ioc_reports_title", context: context, values: [
            "reports": queue.map { row($0, context.language) }, "empty": queue.isEmpty, "count": queue.count, "map": svg,
            "points": try Self.geoJSON(points), "mapCenter": map?.box(core: true).centre ?? "",
        ])
    }

    @Sendable func unitConsole(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let units = principal.grants.staffUnits.sorted()
        let query = request.uri.queryParameters
        guard let unit = query.get("unit").flatMap({ units.contains($0) ? $0 : nil }) ?? units.first else { throw Problem.forbidden() }
        let filter = query.get("filter").flatMap(QueueFilter.init(rawValue:)) ?? .open
        let list = try await reports.unitQueue(unit, filter: filter, limit: 200, logger: context.logger)
        let words = renderer.translations.table(for: context.language)
        let labels: [QueueFilter: String] = [.open: "queue_open", .dueSoon: "queue_due_soon", .overdue: "queue_overdue",
                                             .waitingForApplicant: "reports_waiting", .unassigned: "queue_unassigned"]
        return try renderer.page("unit-reports", title: "unit_reports_title", context: context, values: [
            "unit": unit, "unitName": reports.unitName(unit),
            "units": units.map { ["code": $0, "name": reports.unitName($0), "selected": $0 == unit] as [String: Any] },
            "filters": QueueFilter.allCases.map { ["code": $0.rawValue, "label": words[labels[$0] ?? ""] ?? $0.rawValue, "current": $0 == filter] as [String: Any] },
            "reports": list.map { row($0, context.language) }, "empty": list.isEmpty,
            "points": try Self.geoJSON(list.compactMap { item in
                guard let latitude = item.latitude, let longitude = item.longitude else { return nil }
                return ReportMap.Point(code: item.code, latitude: latitude, longitude: longitude, status: item.status, overdue: item.overdue,
                                       label: item.categoryName)
            }),
            "mapCenter": map?.box(core: true).centre ?? "",
        ])
    }
}
