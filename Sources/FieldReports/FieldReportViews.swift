import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

/// What people see: one report, the public list and map, queues and the per-unit figures.
extension FieldReportService {
    public func view(code: String, for viewer: ReportViewer, logger: Logger) async throws -> FieldReportView {
        let record = try await record(code, on: try database.db(logger: logger))
        let view = try await view(record: record, for: viewer, logger: logger)
        // Staff shown who sent a report: who saw it, and when, goes into the event log (Law 91/2025), once a day.
        if let reader = viewer.accountID, reader != record.reporterID, record.reporterName != nil || record.reporterContact != nil,
           seesReporter(record, viewer: viewer) {
            try await PersonalDataReads.record(type: "field-reports.reporter.read", reader: reader, readerName: viewer.name, unitCode: record.unitCode,
                                               subject: "\(Self.subjectKind):\(record.code)", on: database,
                                               timeZone: workflow.engine.calendar.timeZone, logger: logger)
        }
        return view
    }

    func maySee(_ record: FieldReportRecord, viewer: ReportViewer) -> Bool {
        record.isPublic || seesReporter(record, viewer: viewer)
    }

    /// Operators, the handling unit and the reporter themself; never the public.
    func seesReporter(_ record: FieldReportRecord, viewer: ReportViewer) -> Bool {
        viewer.isOperator(of: settings.intakeUnit) || viewer.isStaff(of: record.unitCode) || (viewer.accountID != nil && viewer.accountID == record.reporterID)
    }

    func view(record: FieldReportRecord, for viewer: ReportViewer, at moment: Date = Date(), logger: Logger) async throws -> FieldReportView {
        guard maySee(record, viewer: viewer) else { throw Problem.notFound("No report '\(record.code)'.") }
        let db = try database.db(logger: logger)
        let id = try record.requireID()
        let photos = try await FieldReportPhotoRecord.query(on: db).filter(\.$reportID == id).sort(\.$purpose).sort(\.$position)
            .field(\.$id).field(\.$purpose).field(\.$position).field(\.$mediaType).field(\.$width).field(\.$height).all()
        let updates = try await FieldReportUpdateRecord.query(on: db).filter(\.$reportID == id).sort(\.$id).all()
        let members = try await FieldReportRecord.query(on: db).filter(\.$caseID == id).field(\.$code).all().map(\.code)
        let head = try await record.caseID.asyncFlatMap { try await FieldReportRecord.find($0, on: db) }

        var actions: [String] = []
        if let instanceID = record.instanceID, viewer.accountID != nil, let instance = try await workflow.instance(instanceID, on: db),
           let definition = workflow.library[instance.process] {
            let actor = WorkflowActor(id: viewer.accountID, name: viewer.name, grants: viewer.grants,
                                      isApplicant: viewer.accountID == record.reporterID)
            actions = workflow.engine.availableActions(definition, for: instance, actor: actor).map(\.code)
            if record.flowState == .resolved, let until = reopenUntil(record), moment > until {
                actions.removeAll { $0 == ReportFlowAction.reopen.rawValue }
            }
        }
        if viewer.accountID != nil, viewer.accountID == record.reporterID, record.flowState == .resolved || record.flowState == .closed, record.rating == nil {
            actions.append("rate")
        }
        if let account = viewer.accountID, account != record.reporterID, record.isOpen, record.isPublic, record.caseID == nil {
            actions.append("support")
        }
        // Written without dates (strings only), so the shared decoder reads old and new rows alike; damage fails the read.
        let answers = try JSONColumn.decode([String: [String]].self, from: record.attributes, table: FieldReportRecord.schema, column: "attributes",
                                            row: id.uuidString, logger: logger)
        let reporter = seesReporter(record, viewer: viewer)
            ? FieldReportView.Reporter(accountID: record.reporterID, name: record.reporterName, contact: record.reporterContact, anonymous: record.anonymous)
            : nil
        return FieldReportView(
            code: record.code, category: record.category, categoryName: settings.category(record.category)?.name ?? record.category,
            description: record.description, latitude: record.latitude, longitude: record.longitude, address: record.address,
            state: record.state, stateName: stateName(record.state), status: ReportStatus.status(record.state), unit: record.unitCode,
            unitName: unitName(record.unitCode), channel: record.channel, requestedAt: record.requestedAt, updatedAt: record.updatedAt,
            dueAt: record.dueAt, overdue: Self.overdue(isOpen: record.isOpen, state: record.state, dueAt: record.dueAt, onTime: record.onTime, at: moment),
            onTime: record.onTime, result: record.resultNote, rejection: record.rejection, supports: record.supports, rating: record.rating,
            caseCode: head?.code, members: members, answers: answers,
            photos: photos.compactMap { photo in
                photo.id.map { FieldReportView.Photo(id: $0, url: "/api/v1/field-reports/\(record.code)/photos/\($0.uuidString.lowercased())",
                                                     mediaType: photo.mediaType, width: photo.width, height: photo.height, purpose: photo.purpose) }
            },
            updates: try updates.map {
                FieldReportView.Update(id: try $0.requireID(), state: $0.state, stateName: $0.state == ReportTimelineMark.reopened ? "Mở lại" : stateName($0.state),
                                       description: $0.description, author: $0.author, at: $0.at)
            },
            reporter: reporter, actions: actions, reopenUntil: reopenUntil(record))
    }

    static func overdue(isOpen: Bool, state: String, dueAt: Date?, onTime: Bool?, at moment: Date) -> Bool {
        if let onTime { return !onTime }
        guard isOpen, state != ReportFlowState.needsInfo.rawValue, let dueAt else { return false }
        return moment > dueAt
    }

    /// A photo's bytes, to whoever may see the report.
    /// A photo's bytes and type, and whether anyone at all may see it (only those may sit in shared caches).
    public func photo(_ id: UUID, of code: String, for viewer: ReportViewer, logger: Logger) async throws -> (Data, String, isPublic: Bool) {
        let db = try database.db(logger: logger)
        let record = try await record(code, on: db)
        guard maySee(record, viewer: viewer), let reportID = record.id,
              let photo = try await FieldReportPhotoRecord.query(on: db).filter(\.$id == id).filter(\.$reportID == reportID).first()
        else { throw Problem.notFound("No such photo.") }
        return (photo.content, photo.mediaType, maySee(record, viewer: .anonymous))
    }

    /// Filters of the public list and of Open311's GET requests.
    public struct ListFilter: Sendable {
        public var codes: [String]?
        public var categories: [String]?
        public var unit: String?
        public var status: String?
        public var states: [String]?
        public var requestedFrom: Date?
        public var requestedUntil: Date?
        public var updatedAfter: Date?
        public var updatedBefore: Date?
        public var reporterID: String?
        /// Public lists leave out private categories; staff lists do not.
        public var publicOnly: Bool
        /// Only reports that are a case of their own (not clustered into or merged with another).
        public var casesOnly: Bool = false
        /// Oldest first (a queue) instead of newest first (a feed).
        public var oldestFirst: Bool = false
        /// Which rows: bounded at the edge, so `offset + limit` cannot overflow.
        public var paging: Paging

        public init(codes: [String]? = nil, categories: [String]? = nil, unit: String? = nil, status: String? = nil, states: [String]? = nil,
                    requestedFrom: Date? = nil, requestedUntil: Date? = nil, updatedAfter: Date? = nil, updatedBefore: Date? = nil,
                    reporterID: String? = nil, publicOnly: Bool = true, paging: Paging = Paging(limit: 50)) {
            self.codes = codes
            self.categories = categories
            self.unit = unit
            self.status = status
            self.states = states
            self.requestedFrom = requestedFrom
            self.requestedUntil = requestedUntil
            self.updatedAfter = updatedAfter
            self.updatedBefore = updatedBefore
            self.reporterID = reporterID
            self.publicOnly = publicOnly
            self.paging = paging
        }
    }

    public func list(_ filter: ListFilter, at moment: Date = Date(), logger: Logger) async throws -> [FieldReportSummary] {
        guard let sql = try database.db(logger: logger) as? any SQLDatabase else { throw Problem.internal() }
        var query = sql.select()
            .columns("code", "category", "description", "latitude", "longitude", "state", "unit_code", "requested_at", "updated_at", "due_at",
                     "on_time", "is_open", "supports", "case_id", "result_note")
            .from(FieldReportRecord.schema)
        if filter.publicOnly { query = query.where("is_public", .equal, true) }
        if let codes = filter.codes, !codes.isEmpty {
            query = query.where("code", .in, codes)
        } else {
            if let categories = filter.categories, !categories.isEmpty { query = query.where("category", .in, categories) }
            if let unit = filter.unit { query = query.where("unit_code", .equal, unit) }
            if let status = filter.status { query = query.where("is_open", .equal, status == "open") }
            if let states = filter.states, !states.isEmpty { query = query.where("state", .in, states) }
            if let from = filter.requestedFrom { query = query.where("requested_at", .greaterThanOrEqual, from) }
            if let until = filter.requestedUntil { query = query.where("requested_at", .lessThanOrEqual, until) }
            if let after = filter.updatedAfter { query = query.where("updated_at", .greaterThan, after) }
            if let before = filter.updatedBefore { query = query.where("updated_at", .lessThan, before) }
            if let reporter = filter.reporterID { query = query.where("reporter_id", .equal, reporter) }
            if filter.casesOnly { query = query.where("case_id", .is, SQLLiteral.null) }
        }
        let rows: [any SQLRow] = try await query.orderBy("requested_at", filter.oldestFirst ? .ascending : .descending).orderBy("code")
            .limit(filter.paging.limit).offset(filter.paging.offset).all()
        var caseIDs: Set<UUID> = []
        var summaries: [(FieldReportSummary, UUID?)] = []
        for row in rows {
            let state = try row.decode(column: "state", as: String.self)
            let category = try row.decode(column: "category", as: String.self)
            let unit = try row.decode(column: "unit_code", as: String.self)
            let dueAt = try row.decode(column: "due_at", as: Date?.self)
            let caseID = try row.decode(column: "case_id", as: UUID?.self)
            if let caseID { caseIDs.insert(caseID) }
            summaries.append((FieldReportSummary(
                code: try row.decode(column: "code", as: String.self), category: category, categoryName: settings.category(category)?.name ?? category,
                description: try row.decode(column: "description", as: String.self), latitude: try row.decode(column: "latitude", as: Double?.self),
                longitude: try row.decode(column: "longitude", as: Double?.self), state: state, stateName: stateName(state),
                status: ReportStatus.status(state), unit: unit, unitName: unitName(unit),
                requestedAt: try row.decode(column: "requested_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self),
                dueAt: dueAt,
                overdue: Self.overdue(isOpen: try row.decode(column: "is_open", as: Bool.self), state: state, dueAt: dueAt,
                                      onTime: try row.decode(column: "on_time", as: Bool?.self), at: moment),
                supports: try row.decode(column: "supports", as: Int.self), caseCode: nil,
                result: try row.decode(column: "result_note", as: String?.self)), caseID))
        }
        var caseCodes: [UUID: String] = [:]
        if !caseIDs.isEmpty {
            let heads: [any SQLRow] = try await sql.select().columns("id", "code").from(FieldReportRecord.schema).where("id", .in, Array(caseIDs)).all()
            for head in heads { caseCodes[try head.decode(column: "id", as: UUID.self)] = try head.decode(column: "code", as: String.self) }
        }
        return summaries.map { summary, caseID in
            var summary = summary
            summary.caseCode = caseID.flatMap { caseCodes[$0] }
            return summary
        }
    }

    /// Reports waiting for an operator to verify them, oldest first.
    public func verificationQueue(_ paging: Paging = Paging(limit: 100), logger: Logger) async throws -> [FieldReportSummary] {
        var filter = ListFilter(states: [ReportFlowState.submitted.rawValue], publicOnly: false, paging: paging)
        filter.casesOnly = true
        filter.oldestFirst = true
        return try await list(filter, logger: logger)
    }

    /// A unit's reports by queue (open, due soon, overdue, waiting for the reporter, not yet taken), soonest deadline first.
    public func unitQueue(_ unit: String, filter: QueueFilter, limit: Int = 100, logger: Logger) async throws -> [FieldReportSummary] {
        let instances = try await workflow.queue(kind: Self.subjectKind, unit: unit, filter: filter, limit: limit, on: try database.db(logger: logger))
        let codes = instances.map { String($0.subject.dropFirst(Self.subjectKind.count + 1)) }
        guard !codes.isEmpty else { return [] }
        let byCode = Dictionary(uniqueKeysWithValues: try await list(ListFilter(codes: codes, publicOnly: false, paging: Paging(limit: codes.count)), logger: logger)
            .map { ($0.code, $0) })
        return codes.compactMap { byCode[$0] }
    }

    /// Per-unit figures over reports received since `since`: received, on time, overdue, average handling time and
    /// satisfaction.
    public struct UnitFigures: Codable, Sendable, Equatable {
        public var unit: String
        public var unitName: String
        public var received: Int
        public var resolved: Int
        public var onTime: Int
        public var overdue: Int
        public var averageHandlingHours: Double?
        public var ratings: Int
        public var satisfaction: Double?
    }

    /// The last 90 days' figures (from the start of the hour), shared by every visitor for a minute.
    public func recentFigures(logger: Logger) async throws -> [UnitFigures] {
        let since = Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 - 90 * 86_400) / 3600).rounded(.down) * 3600)
        return try await figuresCache.figures(since: since) { try await figures(since: since, logger: logger) }
    }

    public func figures(since: Date, at moment: Date = Date(), logger: Logger) async throws -> [UnitFigures] {
        let sql = try database.reportSQL(logger: logger)
        let rows: [any SQLRow] = try await sql.raw("""
            SELECT unit_code, COUNT(*) AS received,
              CAST(SUM(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS resolved,
              CAST(SUM(CASE WHEN on_time = \(bind: true) THEN 1 ELSE 0 END) AS BIGINT) AS on_time,
              CAST(SUM(CASE WHEN on_time = \(bind: false) OR (on_time IS NULL AND is_open = \(bind: true) AND state <> \(bind: ReportFlowState.needsInfo.rawValue)
                            AND due_at < \(bind: moment)) THEN 1 ELSE 0 END) AS BIGINT) AS overdue,
              CAST(AVG(handling_seconds) AS DOUBLE PRECISION) AS handling
            FROM field_reports
            WHERE case_id IS NULL AND accepted_at IS NOT NULL AND requested_at >= \(bind: since)
            GROUP BY unit_code
            """).all()
        let ratings: [any SQLRow] = try await sql.raw("""
            SELECT unit_code, COUNT(*) AS ratings, CAST(AVG(rating) AS DOUBLE PRECISION) AS satisfaction FROM field_reports
            WHERE rating IS NOT NULL AND requested_at >= \(bind: since) GROUP BY unit_code
            """).all()
        var satisfaction: [String: (Int, Double?)] = [:]
        for row in ratings {
            satisfaction[try row.decode(column: "unit_code", as: String.self)] =
                (try row.decode(column: "ratings", as: Int.self), try row.decode(column: "satisfaction", as: Double?.self))
        }
        return try rows.map { row in
            let unit = try row.decode(column: "unit_code", as: String.self)
            let handling = try row.decode(column: "handling", as: Double?.self)
            return UnitFigures(
                unit: unit, unitName: unitName(unit), received: try row.decode(column: "received", as: Int.self),
                resolved: try row.decode(column: "resolved", as: Int?.self) ?? 0,
                onTime: try row.decode(column: "on_time", as: Int?.self) ?? 0, overdue: try row.decode(column: "overdue", as: Int?.self) ?? 0,
                averageHandlingHours: handling.map { ($0 / 360).rounded() / 10 }, ratings: satisfaction[unit]?.0 ?? 0,
                satisfaction: satisfaction[unit]?.1.map { ($0 * 100).rounded() / 100 })
        }.sorted { $0.received > $1.received || ($0.received == $1.received && $0.unit < $1.unit) }
    }

    /// Public updates in a period (Open311 `servicerequestupdates`).
    public struct PublicUpdate: Sendable {
        public var id: Int
        public var code: String
        public var state: String
        public var description: String
        public var at: Date
        public var photoURL: String?
        public var rejection: String?
    }

    public func updates(from: Date, until: Date, limit: Int = 1000, logger: Logger) async throws -> [PublicUpdate] {
        guard let sql = try database.db(logger: logger) as? any SQLDatabase else { throw Problem.internal() }
        let rows: [any SQLRow] = try await sql.raw("""
            SELECT u.id, r.code, r.rejection, u.state, u.description, u.at, u.photo_id FROM field_report_updates u
            JOIN field_reports r ON r.id = u.report_id
            WHERE r.is_public = \(bind: true) AND u.at >= \(bind: from) AND u.at <= \(bind: until)
            ORDER BY u.id LIMIT \(bind: limit)
            """).all()
        return try rows.map { row in
            let code = try row.decode(column: "code", as: String.self)
            return PublicUpdate(id: try row.decode(column: "id", as: Int.self), code: code, state: try row.decode(column: "state", as: String.self),
                                description: try row.decode(column: "description", as: String.self), at: try row.decode(column: "at", as: Date.self),
                                photoURL: try row.decode(column: "photo_id", as: UUID?.self).map {
                                    "/api/v1/field-reports/\(code)/photos/\($0.uuidString.lowercased())"
                                },
                                rejection: try row.decode(column: "rejection", as: String?.self))
        }
    }
}

/// Open311 tokens and updates from integrated back-ends.
extension FieldReportService {
    /// The token handed to an Open311 client for a request (the report's internal id).
    func code(ofToken token: UUID, logger: Logger) async throws -> String? {
        guard let record = try await FieldReportRecord.find(token, on: try database.db(logger: logger)), record.isPublic else { return nil }
        return record.code
    }

    /// An update from an integrated system goes on the public timeline (once per external id).
    func addClientUpdate(to code: String, description: String, client: String, externalID: String?, logger: Logger) async throws -> Int {
        try await database.write(logger: logger) { [self] db in
            let record = try await record(code, on: db)
            guard record.isPublic, let id = record.id else { throw Problem.notFound("No service request '\(code)'.") }
            let text = externalID.map { "\(description) [\($0)]" } ?? description
            if let externalID, let existing = try await FieldReportUpdateRecord.query(on: db).filter(\.$reportID == id).filter(\.$author == client)
                .filter(\.$description == text).first(), existing.description.hasSuffix("[\(externalID)]") {
                return try existing.requireID()
            }
            let update = FieldReportUpdateRecord()
            update.reportID = id
            update.state = record.state
            update.description = text
            update.author = client
            update.at = Date()
            try await update.create(on: db)
            return try update.requireID()
        }
    }
}

/// What Open311 shows beyond a list row, read for a whole page of requests at once.
extension FieldReportService {
    struct Open311Detail {
        var address: String?
        var channel: String
        var rejection: String?
        /// Report photos first, then result photos.
        var photoURLs: [String]
        var firstReportPhoto: String?
        /// Every public step when `history` was asked for, else only the latest.
        var updates: [FieldReportView.Update]
    }

    /// Three queries for any number of requests (a page is at most 500), instead of a full report view for each.
    func open311Details(_ codes: [String], history: Bool, logger: Logger) async throws -> [String: Open311Detail] {
        guard !codes.isEmpty, let sql = try database.db(logger: logger) as? any SQLDatabase else { return [:] }
        let reportRows: [any SQLRow] = try await sql.raw("""
            SELECT id, code, address, channel, rejection FROM field_reports WHERE code IN (\(binds: codes))
            """).all()
        var details: [UUID: (code: String, detail: Open311Detail)] = [:]
        for row in reportRows {
            details[try row.decode(column: "id", as: UUID.self)] = (try row.decode(column: "code", as: String.self), Open311Detail(
                address: try row.decode(column: "address", as: String?.self), channel: try row.decode(column: "channel", as: String.self),
                rejection: try row.decode(column: "rejection", as: String?.self), photoURLs: [], firstReportPhoto: nil, updates: []))
        }
        let ids = Array(details.keys)
        guard !ids.isEmpty else { return [:] }
        let photoRows: [any SQLRow] = try await sql.raw("""
            SELECT id, report_id, purpose FROM field_report_photos WHERE report_id IN (\(binds: ids)) ORDER BY report_id, purpose, position
            """).all()
        for row in photoRows {
            let reportID = try row.decode(column: "report_id", as: UUID.self)
            guard let code = details[reportID]?.code else { continue }
            let url = "/api/v1/field-reports/\(code)/photos/\(try row.decode(column: "id", as: UUID.self).uuidString.lowercased())"
            details[reportID]?.detail.photoURLs.append(url)
            if try row.decode(column: "purpose", as: String.self) == "report", details[reportID]?.detail.firstReportPhoto == nil {
                details[reportID]?.detail.firstReportPhoto = url
            }
        }
        let updateRows: [any SQLRow] = history
            ? try await sql.raw("""
                SELECT id, report_id, state, description, author, at FROM field_report_updates WHERE report_id IN (\(binds: ids)) ORDER BY id
                """).all()
            : try await sql.raw("""
                SELECT id, report_id, state, description, author, at FROM field_report_updates WHERE id IN (
                  SELECT MAX(id) FROM field_report_updates WHERE report_id IN (\(binds: ids)) GROUP BY report_id)
                """).all()
        for row in updateRows {
            let state = try row.decode(column: "state", as: String.self)
            details[try row.decode(column: "report_id", as: UUID.self)]?.detail.updates.append(FieldReportView.Update(
                id: try row.decode(column: "id", as: Int.self), state: state, stateName: state == ReportTimelineMark.reopened ? "Mở lại" : stateName(state),
                description: try row.decode(column: "description", as: String.self), author: try row.decode(column: "author", as: String.self),
                at: try row.decode(column: "at", as: Date.self)))
        }
        return Dictionary(uniqueKeysWithValues: details.values.map { ($0.code, $0.detail) })
    }
}
