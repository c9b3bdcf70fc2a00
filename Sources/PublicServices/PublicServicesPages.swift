import Foundation
import Hummingbird
import Platform
import Web
import Workflow

/// The citizen's pages (catalogue, filing, my dossiers, lookup) and the officer's console (queues, dossier detail,
/// forms 01–07), in Vietnamese and English.
struct PublicServicesPages: Sendable {
    let catalogue: ProcedureCatalogue
    let dossiers: DossierService
    let renderer: PageRenderer

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/procedures", access: .everyone, kind: .page, summary: "The procedure catalogue", use: catalogPage)
        routes.on(.get, "/procedures/:code", access: .everyone, kind: .page, summary: "A procedure and its filing form", use: procedurePage)
        routes.on(.post, "/procedures/:code/file", access: .roles([.citizen, .business]), kind: .page, summary: "File a dossier from the form",
                  use: fileFromPage)
        routes.on(.get, "/dossiers", access: .signedIn, kind: .page, summary: "My dossiers", use: myDossiersPage)
        routes.on(.get, "/dossiers/:code", access: .signedIn, kind: .page, summary: "A dossier, its timeline and actions", use: dossierPage)
        routes.on(.post, "/dossiers/:code/actions/:action", access: .signedIn, kind: .page, summary: "Take an action from the dossier page",
                  use: actFromPage)
        routes.on(.post, "/dossiers/:code/rating", access: .roles([.citizen, .business]), kind: .page, summary: "Rate a dossier from its page",
                  use: rateFromPage)
        routes.on(.get, "/dossiers/:code/forms/:form", access: .signedIn, kind: .page, summary: "Printable forms 01–06 of a dossier", use: formPage)
        routes.on(.get, "/lookup", access: .everyone, kind: .page, summary: "Look up a dossier by its code", use: lookupPage)
        routes.on(.get, "/officer/dossiers", access: .roles([.officer, .unitLeader]), kind: .page, summary: "The officer's dossier queues",
                  use: queuePage)
        routes.on(.get, "/officer/register", access: .roles([.officer, .unitLeader]), kind: .page, summary: "The dossier register (form 07)",
                  use: registerPage)
    }

    // MARK: Catalogue and filing

    @Sendable func catalogPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let search = request.formQuery("q")
        let language = context.language
        let procedures = try await catalogue.list(search: search, logger: context.logger)
        let groups = Dictionary(grouping: procedures, by: { $0.procedure.localizedSector(language) }).sorted { $0.key < $1.key }.map { sector, items in
            ["sector": sector, "procedures": items.map { published -> [String: Any] in
                let procedure = published.procedure
                return ["code": procedure.code, "name": procedure.localizedName(language), "deadline": Self.deadlineText(procedure.deadline, language),
                        "fee": Self.money(procedure.fee), "full": procedure.online == .full]
            }] as [String: Any]
        }
        return try render("procedures", title: "procedures_title", context: context,
                                 values: ["groups": groups, "q": search ?? "", "empty": procedures.isEmpty, "count": procedures.count])
    }

    @Sendable func procedurePage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        try await renderProcedure(context.parameters.get("code") ?? "", context: context, errors: [], values: [:], status: .ok)
    }

    func renderProcedure(_ code: String, context: HuesRequestContext, errors: [Problem.FieldError], values: [String: String],
                         status: HTTPResponse.Status) async throws -> Response {
        guard let published = try await catalogue.current(code, logger: context.logger) else { throw Problem.notFound("No procedure '\(code)'.") }
        let procedure = published.procedure
        let language = context.language
        let principal = context.principal
        let mayFile = principal.map { $0.has(.citizen) || $0.has(.business) } ?? false
        let units = procedure.competentUnits(in: dossiers.profile.units)
        let fields: [[String: Any]] = procedure.form.map { field in
            var entry: [String: Any] = ["name": field.name, "label": field.localizedLabel(language), "required": field.required,
                                        "value": values["form.\(field.name)"] ?? "",
                                        "error": errors.first { $0.field == "form.\(field.name)" }?.message ?? ""]
            switch field.type {
            case .select: entry["options"] = (field.options ?? []).map { ["value": $0, "selected": values["form.\(field.name)"] == $0] }
            case .date: entry["inputType"] = "date"
            case .number: entry["inputType"] = "number"
            case .email: entry["inputType"] = "email"
            case .phone: entry["inputType"] = "tel"
            case .text, .idNumber: entry["inputType"] = "text"
            }
            return entry
        }
        return try render("procedure", title: procedure.localizedName(language), context: context, values: [
            "code": procedure.code, "version": published.version, "name": procedure.localizedName(language),
            "sector": procedure.localizedSector(language), "deadline": Self.deadlineText(procedure.deadline, language),
            "cutOff": procedure.cutOff?.description ?? "", "fee": Self.money(procedure.fee), "feeNote": procedure.feeNote ?? "",
            "legalBasis": procedure.legalBasis ?? "", "full": procedure.online == .full,
            "documents": procedure.documents.map { ["code": $0.code, "name": language == "en" ? ($0.nameEn ?? $0.name) : $0.name, "required": $0.required] },
            "units": units.map { ["code": $0.code, "name": language == "en" ? ($0.nameEn ?? $0.name) : $0.name,
                                  "selected": values["competentUnit"] == $0.code] },
            "chooseUnit": units.count > 1, "fields": fields, "mayFile": mayFile, "signedOut": principal == nil,
            "errors": errors.map { ["text": "\($0.field): \($0.message)"] },
            "phone": values["phone"] ?? "", "idNumber": values["idNumber"] ?? "",
        ], status: status)
    }

    @Sendable func fileFromPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        let form = try await Self.multipart(request, context: context)
        var values: [String: String] = [:]
        for part in form.parts where part.fileName == nil { values[part.name] = String(decoding: part.data, as: UTF8.self) }
        var fields: [String: String] = [:]
        for (key, value) in values where key.hasPrefix("form.") && !value.isEmpty { fields[String(key.dropFirst(5))] = value }
        let attachments = form.parts.filter { $0.name.hasPrefix("file.") && !($0.fileName ?? "").isEmpty }.map {
            NewAttachment(document: String($0.name.dropFirst(5)), fileName: $0.fileName ?? "file", content: $0.data)
        }
        let input = NewDossier(procedure: code, competentUnit: values["competentUnit"].flatMap { $0.isEmpty ? nil : $0 },
                               applicant: ApplicantDetails(idNumber: Self.blankToNil(values["idNumber"]), phone: Self.blankToNil(values["phone"])),
                               form: fields, attachments: attachments)
        do {
            let dossier = try await dossiers.fileDossier(input, by: try context.requirePrincipal(), atCounter: false, logger: context.logger)
            return Response(status: .seeOther, headers: [.location: "/dossiers/\(dossier.code)?filed=1"])
        } catch let problem as Problem where problem.status == .unprocessableContent || problem.status == .unsupportedMediaType
            || problem.status == .contentTooLarge
        {
            let errors = problem.errors.isEmpty ? [Problem.FieldError(field: "attachments", message: problem.detail)] : problem.errors
            return try await renderProcedure(code, context: context, errors: errors, values: values, status: problem.status)
        }
    }

    // MARK: The applicant's and the officer's dossier pages

    @Sendable func myDossiersPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let list = try await dossiers.mine(try context.requirePrincipal(), paging: Paging(limit: 200), logger: context.logger)
        return try render("dossiers", title: "dossiers_title", context: context,
                                 values: ["dossiers": list.map { summaryValues($0, context: context) }, "empty": list.isEmpty])
    }

    @Sendable func dossierPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let view = try await dossiers.view(code: context.parameters.get("code") ?? "", for: principal, logger: context.logger)
        let language = context.language
        let definition = try dossiers.workflow.definition(dossiers.workflow.library.processes.values.first { $0.state(view.state) != nil }?.code ?? "")
        let procedure = try await catalogue.version(view.procedure.code, view.procedure.version,
                                                    on: try dossiers.database.db(logger: context.logger))?.procedure
        let officers = view.actions.contains { $0.code == OneStopAction.assign.rawValue }
            ? try await dossiers.staff.staff(holding: .officer, in: view.unit, logger: context.logger) : []
        let labels = Dictionary(uniqueKeysWithValues: (procedure?.form ?? []).map { ($0.name, $0.localizedLabel(language)) })
        let state = definition.state(view.state)
        return try render("dossier", title: view.code, context: context, values: [
            "code": view.code, "dossierCode": view.code, "procedure": procedure?.localizedName(language) ?? view.procedure.name, "procedureCode": view.procedure.code,
            "version": view.procedure.version, "applicant": view.applicant.name, "state": view.state,
            "awaitingFee": view.state == OneStopState.awaitingFee.rawValue && view.fee > 0,
            "stateName": language == "en" ? (state?.nameEn ?? view.stateName) : view.stateName, "nationalStatus": view.nationalStatus ?? 0,
            "unit": view.unit, "officer": view.officer?.name ?? "", "filedAt": dossiers.localTime(view.filedAt),
            "receivedAt": view.receivedAt.map(dossiers.localTime) ?? "", "promisedAt": view.promisedAt.map(dossiers.localTime) ?? "",
            "returnedAt": view.returnedAt.map(dossiers.localTime) ?? "", "late": view.late, "onTime": view.onTime == true,
            "fee": Self.money(view.fee), "filed": request.uri.queryParameters.get("filed") != nil,
            "form": view.form.sorted { $0.key < $1.key }.map { ["label": labels[$0.key] ?? $0.key, "value": $0.value] },
            "attachments": view.attachments.map { ["id": $0.id.uuidString, "name": $0.fileName, "document": $0.document, "size": $0.size] },
            "history": view.history.map { step -> [String: Any] in
                ["at": dossiers.localTime(step.at),
                 "action": language == "en" ? (definition.action(step.action)?.nameEn ?? step.actionName) : step.actionName,
                 "state": language == "en" ? (definition.state(step.toState)?.nameEn ?? step.toStateName) : step.toStateName,
                 "actor": step.actor, "note": step.note ?? "", "reason": step.reason ?? ""]
            },
            "actions": view.actions.map { action -> [String: Any] in
                let inputs = Set(action.inputs)
                return ["code": action.code, "name": language == "en" ? (definition.action(action.code)?.nameEn ?? action.name) : action.name,
                        "reason": inputs.contains("reason"), "note": inputs.contains("note"), "extension": inputs.contains("extension"),
                        "documents": inputs.contains("documents"), "branch": inputs.contains("branch"), "officer": inputs.contains("officer"),
                        "files": OneStopAction(rawValue: action.code)?.takesFiles ?? false,
                        "branches": view.openParallelSteps.map { ["code": $0] },
                        "officers": officers.map { ["id": $0.accountID, "name": $0.name] }]
            },
            "mayRate": view.state == OneStopState.returned.rawValue && view.rating == nil && view.viewerIsApplicant, "rating": view.rating ?? 0, "rated": view.rating != nil,
            "forms": Self.forms(for: view).map { ["number": $0] },
            "error": request.uri.queryParameters.get("error") ?? "",
        ])
    }

    @Sendable func actFromPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        let action = context.parameters.get("action") ?? ""
        let form = try await Self.multipart(request, context: context)
        var extendBy: DeadlineRule?
        if let days = form["extensionDays"].flatMap({ Int($0) }) { extendBy = .workingDays(days) }
        let documents = form["documents"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let files = form.files("files").map { NewAttachment(document: action == OneStopAction.issueResult.rawValue ? "result" : "supplement", fileName: $0.fileName ?? "file",
                                                            content: $0.data) }
        let input = DossierAction(note: Self.blankToNil(form["note"]), reason: Self.blankToNil(form["reason"]), extendBy: extendBy,
                                  branch: Self.blankToNil(form["branch"]), officer: Self.blankToNil(form["officer"]),
                                  documents: documents.flatMap { $0.isEmpty ? nil : $0 }, attachments: files.isEmpty ? nil : files)
        do {
            let view = try await dossiers.takeAction(action, on: code, with: input, by: try context.requirePrincipal(), logger: context.logger)
            return Response(status: .seeOther, headers: [.location: "/dossiers/\(view.code)"])
        } catch let error as any HTTPResponseError where error.status.code < 500 && error.status != .notFound {
            let message = (error as? Problem).map { problem in ([problem.detail] + problem.errors.map { "\($0.field): \($0.message)" }).joined(separator: " ") }
                ?? "\(error)"
            let escaped = message.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return Response(status: .seeOther, headers: [.location: "/dossiers/\(code)?error=\(escaped)"])
        }
    }

    @Sendable func rateFromPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let code = context.parameters.get("code") ?? ""
        let form = try await Self.multipart(request, context: context)
        let score = form["score"].flatMap { Int($0) } ?? 0
        _ = try await dossiers.rate(code, Rating(score: score, comment: Self.blankToNil(form["comment"])), by: try context.requirePrincipal(),
                                    logger: context.logger)
        return Response(status: .seeOther, headers: [.location: "/dossiers/\(code)"])
    }

    @Sendable func lookupPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let code = request.formQuery("code")?.trimmingCharacters(in: .whitespaces)
        var values: [String: Any] = ["code": code ?? ""]
        if let code, !code.isEmpty {
            do {
                let status = try await dossiers.lookup(code, logger: context.logger)
                values["found"] = ["code": status.code, "procedure": status.procedure, "unit": status.receivingUnit, "stateName": status.stateName,
                                   "nationalStatus": status.nationalStatus ?? 0,
                                   "receivedAt": status.receivedAt.map(dossiers.localTime) ?? "",
                                   "promisedAt": status.promisedAt.map(dossiers.localTime) ?? "",
                                   "returnedAt": status.returnedAt.map(dossiers.localTime) ?? "",
                                   "steps": status.steps.map { ["state": $0.stateName, "at": dossiers.localTime($0.at)] }] as [String: Any]
            } catch let problem as Problem where problem.status == .notFound || problem.status == .unprocessableContent {
                values["notFound"] = true
            }
        }
        return try render("lookup", title: "lookup_title", context: context, values: values)
    }

    @Sendable func queuePage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let myUnits = principal.grants.staffUnits.sorted()
        let unit = query.get("unit").flatMap { myUnits.contains($0) || principal.has(.admin) ? $0 : nil } ?? myUnits.first ?? ""
        let filter = query.get("filter").flatMap(QueueFilter.init(rawValue:)) ?? .open
        let mine = query.get("mine") == "true"
        let words = renderer.translations.table(for: context.language)
        let queue = try await dossiers.queue(unit: unit, filter: filter, mine: mine, for: principal, paging: Paging(limit: 200), logger: context.logger)
        var values: [String: Any] = [
            "unit": unit, "units": myUnits.map { ["code": $0, "selected": $0 == unit] }, "mine": mine,
            "filters": QueueFilter.allCases.map { filterCase -> [String: Any] in
                let key = "queue_" + filterCase.rawValue.replacingOccurrences(of: "-", with: "_")
                return ["code": filterCase.rawValue, "label": words[key] ?? filterCase.rawValue, "current": filterCase == filter]
            },
            "dossiers": queue.dossiers.map { summaryValues($0, context: context) }, "empty": queue.dossiers.isEmpty,
        ]
        if principal.has(.unitLeader, in: unit) {
            let backlog = try await dossiers.backlog(unit: unit, for: principal, logger: context.logger)
            values["backlog"] = ["open": backlog.open, "dueSoon": backlog.dueSoon, "overdue": backlog.overdue,
                                 "waiting": backlog.waitingForApplicant, "unassigned": backlog.unassigned,
                                 "officers": backlog.byOfficer.map { ["name": $0.officer?.name ?? "—", "open": $0.open] }] as [String: Any]
        }
        return try render("officer-queue", title: "queue_title", context: context, values: values)
    }

    @Sendable func registerPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let query = request.uri.queryParameters
        let today = dossiers.profile.calendar.civilDate(of: Date())
        let from = query.get("from").flatMap(CivilDate.init) ?? CivilDate(year: today.year, month: today.month, day: 1) ?? today
        let through = query.get("to").flatMap(CivilDate.init) ?? today
        let myUnits = principal.grants.staffUnits.sorted()
        let unit = query.get("unit") ?? myUnits.first ?? ""
        let list = try await dossiers.register(unit: unit, from: from, through: min(through, from.adding(days: 366)), for: principal,
                                               logger: context.logger)
        return try render("dossier-register", title: "register_title", context: context, values: [
            "unit": dossiers.units[unit]?.name ?? unit, "unitCode": unit, "from": from.description, "to": through.description,
            "dossiers": list.enumerated().map { index, item in ["n": index + 1, "code": item.code, "procedure": item.procedure, "applicant": item.applicantName,
                                                                "filedAt": dossiers.localTime(item.filedAt), "dueAt": item.dueAt.map(dossiers.localTime) ?? "",
                                                                "state": item.stateName] },
        ])
    }

    /// Forms 01–06 (Circular 03/2025, Appendix I) as printable pages.
    @Sendable func formPage(_ request: Request, context: HuesRequestContext) async throws -> Response {
        let number = context.parameters.get("form") ?? ""
        let view = try await dossiers.view(code: context.parameters.get("code") ?? "", for: try context.requirePrincipal(), logger: context.logger)
        guard Self.forms(for: view).contains(number) else { throw Problem.notFound("Form \(number) does not apply to this dossier (yet).") }
        let last: (String) -> DossierStep? = { action in view.history.last { $0.action == action || $0.action.hasPrefix(action + "-") } }
        let step: DossierStep? = switch number {
        case "02": last(OneStopAction.requestSupplement.rawValue) ?? last(OneStopAction.requestCorrection.rawValue)
        case "03": last(OneStopAction.refuseIntake.rawValue)
        case "04": last(OneStopAction.extend.rawValue)
        case "05": last(OneStopAction.stop.rawValue)
        default: nil
        }
        return try render("dossier-form", title: "form_\(number)_title", context: context, values: [
            "form\(number)": true, "number": number, "code": view.code, "procedure": view.procedure.name, "applicant": view.applicant.name,
            "phone": view.applicant.phone ?? "", "address": view.applicant.address ?? "",
            "receivingUnit": dossiers.units[view.receivingUnit]?.name ?? view.receivingUnit,
            "competentUnit": dossiers.units[view.competentUnit]?.name ?? view.competentUnit,
            "receivedAt": view.receivedAt.map(dossiers.localTime) ?? "", "promisedAt": view.promisedAt.map(dossiers.localTime) ?? "",
            "legalDueAt": view.legalDueAt.map(dossiers.localTime) ?? "",
            "documents": view.attachments.map { ["name": $0.fileName, "document": $0.document] }, "fee": Self.money(view.fee),
            "reason": step?.reason ?? "", "stepAt": step.map { dossiers.localTime($0.at) } ?? "", "signer": step?.actor ?? "",
            "history": view.history.map { ["at": dossiers.localTime($0.at), "action": $0.actionName, "actor": $0.actor, "unit": $0.unit] },
            "lookupURL": "/lookup?code=\(view.code)",
        ])
    }

    // MARK: Helpers

    /// Mustache treats an empty string as true in a section, so optional text that is empty is left out instead.
    func render(_ template: String, title: String, context: HuesRequestContext, values: [String: Any], status: HTTPResponse.Status = .ok) throws
        -> Response
    {
        try renderer.page(template, title: title, context: context, values: Self.pruned(values) as? [String: Any] ?? values, status: status)
    }

    static func pruned(_ value: Any) -> Any {
        if let dictionary = value as? [String: Any] {
            return dictionary.filter { ($0.value as? String) != "" }.mapValues(pruned)
        }
        if let array = value as? [Any] { return array.map(pruned) }
        return value
    }

    func summaryValues(_ item: DossierSummary, context: HuesRequestContext) -> [String: Any] {
        ["code": item.code, "procedure": item.procedure, "applicant": item.applicantName, "stateName": item.stateName,
         "dueAt": item.dueAt.map(dossiers.localTime) ?? "", "overdue": item.overdue, "waiting": item.waitingForApplicant, "officer": item.officer ?? "",
         "filedAt": dossiers.localTime(item.filedAt)]
    }

    /// Which forms a dossier has by now: the receipt once received, a supplement request once asked for, and so on.
    static func forms(for view: DossierView) -> [String] {
        var forms: [String] = []
        let actions = Set(view.history.map(\.action))
        if view.receivedAt != nil { forms.append("01") }
        if actions.contains(OneStopAction.requestSupplement.rawValue) || actions.contains(OneStopAction.requestCorrection.rawValue) { forms.append("02") }
        if actions.contains(OneStopAction.refuseIntake.rawValue) { forms.append("03") }
        if actions.contains(where: { $0.hasPrefix(OneStopAction.extend.rawValue) }) { forms.append("04") }
        if actions.contains(OneStopAction.stop.rawValue) { forms.append("05") }
        if view.receivedAt != nil { forms.append("06") }
        return forms
    }

    static func multipart(_ request: Request, context: HuesRequestContext) async throws -> MultipartForm {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        if let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) {
            return try MultipartForm(body: Data(buffer: body), boundary: boundary)
        }
        // A form without files may come urlencoded; present it the same way.
        let fields = FormFields(String(buffer: body))
        return MultipartForm(fields: fields.values)
    }

    static func blankToNil(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    static func money(_ amount: Int) -> String { vndText(amount) }

    static func deadlineText(_ rule: DeadlineRule, _ language: String) -> String {
        let english = language == "en"
        switch rule {
        case .workingDays(0): return english ? "the same working day" : "trong ngày làm việc"
        case .workingDays(let n): return english ? "\(n) working day\(n == 1 ? "" : "s")" : "\(n) ngày làm việc"
        case .workingHours(let n): return english ? "\(n) working hour\(n == 1 ? "" : "s")" : "\(n) giờ làm việc"
        case .calendarDays(let n): return english ? "\(n) day\(n == 1 ? "" : "s")" : "\(n) ngày"
        }
    }
}

extension MultipartForm {
    init(fields: [String: String]) {
        self.init(parts: fields.map { Part(name: $0.key, fileName: nil, contentType: nil, data: Data($0.value.utf8)) })
    }
}

extension DossierService {
    /// A moment as Hue's clocks show it: `30/11/2026 09:05`.
    func localTime(_ date: Date) -> String {
        let calendar = profile.calendar
        let day = calendar.civilDate(of: date)
        let seconds = calendar.secondsIntoDay(of: date)
        return String(format: "%02d/%02d/%04d %02d:%02d", day.day, day.month, day.year, seconds / 3600, (seconds % 3600) / 60)
    }
}
