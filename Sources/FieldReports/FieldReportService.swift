import Crypto
import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

/// Who is looking at or acting on a report: a signed-in person, an Open311 client, or the public.
public struct ReportViewer: Sendable {
    public var accountID: String?
    public var name: String
    public var grants: [RoleGrant]

    public init(accountID: String?, name: String, grants: [RoleGrant]) {
        self.accountID = accountID
        self.name = name
        self.grants = grants
    }

    public init(_ principal: Principal) {
        self.init(accountID: principal.accountID, name: principal.displayName, grants: principal.grants)
    }

    public static let anonymous = ReportViewer(accountID: nil, name: "", grants: [])

    /// An operator of the unit that takes reports in (the operations centre), or an admin: an IOC operator of
    /// another unit has no more reach here than its own role there.
    func isOperator(of intakeUnit: String) -> Bool {
        grants.has(.iocOperator, in: intakeUnit)
    }

    func isStaff(of unit: String) -> Bool {
        grants.isStaff(of: unit)
    }
}

/// The field-report desk: filing, the verification and handling flow on the workflow engine, duplicates, supports,
/// ratings and what the public sees.
public struct FieldReportService: Sendable {
    let database: PlatformDatabase
    public let settings: ReportSettings
    let routing: ReportRouting
    public let boundaries: UnitBoundaries?
    let workflow: WorkflowStore
    let units: [String: CityProfile.Unit]
    let notices: (any NoticeBoard)?
    let resizer: PhotoResizer
    let figuresCache = FiguresCache()
    /// Draws a report code for a filing day; random unless a test needs to repeat one.
    var drawCode: @Sendable (String) -> String = { day in
        "PA-\(day)-\(String((0..<6).map { _ in FieldReportService.codeAlphabet.randomElement() ?? "X" }))"
    }
    /// New reports per person in any 10 minutes. A citizen never needs more, and a script flooding the IOC's queue is
    /// stopped. Counted in the database, so it holds across instances and restarts. Open311 clients and operators
    /// speak for many people and are not limited this way.
    static let filingsPerWindow = 10
    static let filingWindow: TimeInterval = 600

    static let subjectKind = "field-report"

    public init(database: PlatformDatabase, settings: ReportSettings, boundaries: UnitBoundaries?, workflow: WorkflowStore, profile: CityProfile,
                notices: (any NoticeBoard)?, resizer: PhotoResizer = PhotoResizer(tool: nil)) {
        self.resizer = resizer
        self.database = database
        self.settings = settings
        self.boundaries = boundaries
        self.routing = ReportRouting(boundaries: boundaries, intakeUnit: settings.intakeUnit)
        self.workflow = workflow
        self.units = Dictionary(uniqueKeysWithValues: profile.units.map { ($0.code, $0) })
        self.notices = notices
    }

    public func unitName(_ code: String) -> String { units[code]?.name ?? code }

    public func stateName(_ state: String, english: Bool = false) -> String {
        guard let definition = workflow.library[settings.process], let known = definition.state(state) else { return state }
        return english ? (known.nameEn ?? known.name) : known.name
    }

    // MARK: Filing

    /// Who files: a signed-in person (citizen, or an operator taking a call) or an Open311 client.
    public struct Reporter: Sendable {
        public var accountID: String?
        public var name: String?
        public var contact: String?
        public var clientID: UUID?
        public var channel: ReportChannel

        public init(accountID: String?, name: String?, contact: String?, clientID: UUID? = nil, channel: ReportChannel) {
            self.accountID = accountID
            self.name = name
            self.contact = contact
            self.clientID = clientID
            self.channel = channel
        }
    }

    /// Files a report. A retry with the same `dedupeKey` gets the report already filed; the same key with another
    /// report is refused. A report of the same category within a few metres of a recent open case joins that case.
    public func fileReport(_ new: NewFieldReport, by reporter: Reporter, dedupeKey: String?, at moment: Date = Date(),
                     logger: Logger) async throws -> FiledReport {
        var validated = try ReportValidation.check(new, settings: settings, routing: routing)
        let digest = Self.digest(of: validated)
        if let dedupeKey, let existing = try await replay(dedupeKey, digest: digest, logger: logger) { return existing }
        if let account = reporter.accountID, reporter.clientID == nil { try await checkFilingBudget(account, at: moment, logger: logger) }
        validated.photos = try await fitted(validated.photos)
        let checked = validated

        let db = try database.db(logger: logger)
        let cluster = try await clusterCase(for: checked, at: moment, on: db)
        var filing = ReportFiling(checked: checked, reporter: reporter, anonymous: new.anonymous ?? false, dedupeKey: dedupeKey, digest: digest,
                                  cluster: cluster, routedUnit: routing.unit(for: checked.category, at: checked.point), code: newCode(at: moment),
                                  id: UUID(), moment: moment)
        for attempt in 1...Self.codeDraws {
            let prepared = try prepare(filing)
            do {
                try await database.write(logger: logger) { [self] db in try await store(prepared, on: db) }
                break
            } catch where attempt < Self.codeDraws && Self.isTakenCode(error) {
                // Six random characters a day: at a typhoon's hundred thousand reports a day a few draws collide.
                // The filing was rolled back alone; it is drawn a new code and written again.
                logger.notice("report code already taken; drawing another", metadata: ["code": "\(filing.code)"])
                filing.code = newCode(at: moment)
            } catch {
                // Two copies of one retry raced: the loser finds the winner's report.
                if let dedupeKey, let existing = try await replay(dedupeKey, digest: digest, logger: logger) { return existing }
                throw error
            }
        }
        return FiledReport(code: filing.code, id: filing.id, caseCode: cluster?.code, replayed: false, suggestedLocation: checked.suggestedLocation)
    }

    static let codeDraws = 4

    /// A unique index refused the code: the report's own, or its case's subject (`field-report:CODE`), written first.
    /// SQLite names the table and column, PostgreSQL the constraint, `uq:` and the same words.
    static func isTakenCode(_ error: any Error) -> Bool {
        let text = String(reflecting: error)
        return ["field_reports.code", "workflow_instances.subject"].contains { text.contains("UNIQUE constraint failed: " + $0) || text.contains("uq:" + $0) }
    }

    private func checkFilingBudget(_ account: String, at moment: Date, logger: Logger) async throws {
        let recent = try await FieldReportRecord.query(on: try database.db(logger: logger)).filter(\.$reporterID == account)
            .filter(\.$requestedAt > moment.addingTimeInterval(-Self.filingWindow)).sort(\.$requestedAt, .descending)
            .range(0..<Self.filingsPerWindow).field(\.$requestedAt).all()
        guard recent.count >= Self.filingsPerWindow, let oldest = recent.last?.requestedAt else { return }
        let wait = max(1, Int(oldest.addingTimeInterval(Self.filingWindow).timeIntervalSince(moment).rounded(.up)))
        throw Problem.tooManyRequests(retryAfterSeconds: wait,
                                      detail: "You have sent \(Self.filingsPerWindow) reports in the last 10 minutes; please wait \(wait) s before the next.")
    }

    /// Photos shrunk to the platform's size; a picture the resizer cannot decode is refused like any bad photo.
    func fitted(_ photos: [CleanPhoto]) async throws -> [CleanPhoto] {
        var result: [CleanPhoto] = []
        for (index, photo) in photos.enumerated() {
            do { result.append(try await resizer.shrinkToFit(photo)) } catch let problem as PhotoProblem {
                throw Problem.unprocessable([.init(field: "photos[\(index)]", message: "the file \(problem)")])
            }
        }
        return result
    }

    private func replay(_ key: String, digest: String, logger: Logger) async throws -> FiledReport? {
        guard let record = try await FieldReportRecord.query(on: try database.db(logger: logger)).filter(\.$dedupeKey == key).first() else { return nil }
        guard record.requestDigest == digest else {
            throw Problem.conflict("This idempotency key was already used for a different report (\(record.code)); use a new key for a new report.")
        }
        let db = try database.db(logger: logger)
        let head = try await record.caseID.asyncFlatMap { try await FieldReportRecord.find($0, on: db) }
        return FiledReport(code: record.code, id: try record.requireID(), caseCode: head?.code, replayed: true, suggestedLocation: nil)
    }

    static func digest(of checked: ReportValidation.Checked) -> String {
        var text = "\(checked.category.code)\n\(checked.description)\n\(checked.point.map { "\($0.latitude),\($0.longitude)" } ?? "")\n\(checked.address ?? "")"
        for (key, values) in checked.answers.sorted(by: { $0.key < $1.key }) { text += "\n\(key)=\(values.joined(separator: ","))" }
        for photo in checked.photos { text += "\n" + SHA256.hash(data: photo.bytes).hexString }
        return SHA256.hash(data: Data(text.utf8)).hexString
    }

    static let codeAlphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    /// `PA-yymmdd-XXXXXX`: the filing day in Vietnam and six random characters without look-alikes.
    func newCode(at moment: Date) -> String {
        drawCode(codeDay(moment))
    }

    /// `261129`: the day in the city's calendar, as report codes carry it.
    func codeDay(_ date: Date) -> String {
        let day = workflow.engine.calendar.civilDate(of: date)
        return [day.year % 100, day.month, day.day].map { $0 < 10 ? "0\($0)" : "\($0)" }.joined()
    }

    struct CaseHead {
        var id: UUID
        var code: String
        var state: String
        var isOpen: Bool
        var unitCode: String
        var dueAt: Date?
    }

    /// A recent open case of the same category a few metres away, which the new report then joins.
    private func clusterCase(for checked: ReportValidation.Checked, at moment: Date, on db: any Database) async throws -> CaseHead? {
        guard let point = checked.point, settings.clusterRadiusMeters > 0 else { return nil }
        let since = moment.addingTimeInterval(-Double(settings.clusterWindowHours) * 3600)
        let candidates = try await openCases(category: checked.category.code, near: point, radius: settings.clusterRadiusMeters, on: db)
        guard let nearest = candidates.first(where: { $0.requestedAt >= since }) else { return nil }
        return CaseHead(id: nearest.id, code: nearest.code, state: nearest.state, isOpen: true, unitCode: nearest.unitCode, dueAt: nearest.dueAt)
    }

    struct NearbyRow {
        var id: UUID
        var code: String
        var description: String
        var point: GeoPoint
        var distance: Double
        var state: String
        var unitCode: String
        var supports: Int
        var requestedAt: Date
        var dueAt: Date?
        var isPublic: Bool
    }

    /// Open cases of a category within `radius` metres, nearest first: the grid cells around the point are read
    /// through the partial index of open reports on (category, cell), then the exact distance decides. `is_open = true`
    /// is written out, not bound, so both databases can prove the query matches the index's condition.
    func openCases(category: String, near point: GeoPoint, radius: Double, limit: Int = 20, on db: any Database) async throws -> [NearbyRow] {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let cells = GridCell.covering(point, radius: radius)
        let rows: [any SQLRow] = try await sql.raw("""
            SELECT id, code, description, latitude, longitude, state, unit_code, supports, requested_at, due_at, is_public FROM field_reports
            WHERE category = \(bind: category) AND is_open = true AND cell IN (\(binds: cells)) AND case_id IS NULL
            """).all()
        var found: [NearbyRow] = []
        for row in rows {
            let at = GeoPoint(latitude: try row.decode(column: "latitude", as: Double.self), longitude: try row.decode(column: "longitude", as: Double.self))
            let distance = point.distance(to: at)
            guard distance <= radius else { continue }
            found.append(NearbyRow(
                id: try row.decode(column: "id", as: UUID.self), code: try row.decode(column: "code", as: String.self),
                description: try row.decode(column: "description", as: String.self), point: at, distance: distance,
                state: try row.decode(column: "state", as: String.self), unitCode: try row.decode(column: "unit_code", as: String.self),
                supports: try row.decode(column: "supports", as: Int.self), requestedAt: try row.decode(column: "requested_at", as: Date.self),
                dueAt: try row.decode(column: "due_at", as: Date?.self), isPublic: try row.decode(column: "is_public", as: Bool.self)))
        }
        return Array(found.sorted { $0.distance < $1.distance }.prefix(limit))
    }

    /// Open public reports of the category near a point, for "is this the same problem?" while filing.
    public func nearby(category code: String, at point: GeoPoint, logger: Logger) async throws -> [NearbyReport] {
        guard let category = settings.category(code) else {
            throw Problem.unprocessable([.init(field: "category", message: "'\(code)' is not a report category of this city")])
        }
        guard point.isValid else { throw Problem.unprocessable([.init(field: "latitude", message: "not a WGS84 position")]) }
        return try await openCases(category: code, near: point, radius: category.duplicateRadius, on: try database.db(logger: logger))
            .filter(\.isPublic)
            .map { NearbyReport(code: $0.code, category: code, description: $0.description, latitude: $0.point.latitude, longitude: $0.point.longitude,
                                distanceMeters: Int($0.distance.rounded()), state: $0.state, supports: $0.supports, requestedAt: $0.requestedAt) }
    }

    static func storePhoto(_ photo: CleanPhoto, report: UUID, purpose: String, position: Int, at moment: Date, on db: any Database) async throws -> UUID {
        let record = FieldReportPhotoRecord()
        let id = UUID()
        record.id = id
        record.reportID = report
        record.purpose = purpose
        record.position = position
        record.mediaType = photo.format.rawValue
        record.width = photo.width
        record.height = photo.height
        record.content = photo.bytes
        record.createdAt = moment
        try await record.create(on: db)
        return id
    }

    static func addUpdate(to report: UUID, state: String, author: String, description: String, photo: UUID? = nil, at moment: Date,
                          on db: any Database) async throws {
        let update = FieldReportUpdateRecord()
        update.reportID = report
        update.state = state
        update.description = description
        update.author = author
        update.photoID = photo
        update.at = moment
        try await update.insert(on: db)
    }

    static func encode(_ answers: [String: [String]]) throws -> String {
        // Most reports answer no extra question; the encoder is the dearer part of a filing's preparation.
        if answers.isEmpty { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(answers), as: UTF8.self)
    }

    func record(_ code: String, on db: any Database) async throws -> FieldReportRecord {
        guard let record = try await FieldReportRecord.query(on: db).filter(\.$code == code).first() else {
            throw Problem.notFound("No report '\(code)'.")
        }
        return record
    }
}
