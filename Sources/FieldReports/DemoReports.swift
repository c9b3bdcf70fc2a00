import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Workflow

/// A city's worth of past reports for the demo: spread over the wards (most in the urban core), the categories and
/// the last months, and in every state, each written through the same workflow steps a live report takes, with the
/// times those steps would have had.
extension FieldReportService {
    public struct DemoSummary: Sendable {
        public var created: Int
        public var byState: [String: Int]
    }

    /// A small, seeded generator so every demo city is the same.
    struct DemoRandom {
        var source: SeededRandom
        init(state: UInt64) { source = SeededRandom(seed: state) }
        mutating func next() -> UInt64 { source.next() }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }
        mutating func gaussian() -> Double { sqrt(-2 * log(max(unit(), 1e-12))) * cos(2 * .pi * unit()) }
    }

    static let demoStreets = ["Lê Lợi", "Hùng Vương", "Trần Hưng Đạo", "Nguyễn Huệ", "Điện Biên Phủ", "Lê Duẩn", "Bà Triệu", "Nguyễn Sinh Cung",
                              "Phạm Văn Đồng", "Tố Hữu", "Đống Đa", "Phan Đình Phùng", "Trường Chinh", "Ngự Bình", "Nguyễn Tất Thành",
                              "kiệt 42 Chi Lăng", "Đinh Tiên Hoàng", "Mai Thúc Loan", "Kim Long", "Hàn Mặc Tử"]

    static let demoTexts: [String: [String]] = [
        "road-damage": ["Ổ gà sâu giữa đường %@, xe máy dễ ngã", "Mặt đường %@ bị sụt lún sau mưa", "Nắp hố ga trên đường %@ bị vỡ"],
        "street-light": ["Đèn đường trên %@ không sáng nhiều đêm", "Cột đèn trên %@ bị nghiêng", "Đèn chiếu sáng %@ sáng cả ban ngày"],
        "garbage": ["Rác tồn đọng nhiều ngày trên %@", "Đổ trộm phế thải xây dựng ven đường %@", "Thùng rác đường %@ đầy, bốc mùi"],
        "flooding": ["Đường %@ ngập sâu sau mưa lớn", "Cống thoát nước trên %@ bị tắc", "Nước tràn vào nhà dân ở %@"],
        "encroachment": ["Quán cà phê lấn chiếm vỉa hè %@", "Để vật liệu xây dựng dưới lòng đường %@", "Buôn bán lấn chiếm lòng đường %@"],
        "illegal-construction": ["Công trình xây dựng không phép trên %@", "Nhà dân xây vượt tầng ở %@"],
        "fallen-tree": ["Cây xanh gãy đổ chắn đường %@", "Cây trên %@ nghiêng, nguy cơ đổ"],
        "water-supply": ["Vỡ ống nước trên %@, nước chảy tràn", "Mất nước sinh hoạt nhiều ngày ở %@"],
        "noise": ["Karaoke gây ồn sau 22 giờ ở %@", "Xưởng mộc gây tiếng ồn kéo dài trên %@"],
        "food-safety": ["Quán ăn trên %@ mất vệ sinh", "Nghi ngộ độc thực phẩm sau khi ăn ở %@"],
        "heritage": ["Vẽ bậy lên tường thành gần %@", "Lấn chiếm khu vực di tích gần %@"],
        "traffic-signal": ["Đèn tín hiệu ngã tư %@ không hoạt động", "Đèn giao thông %@ nhấp nháy sai"],
    ]

    /// Writes `count` past reports unless the demo history is already there. `reporters` are the accounts the
    /// reports are filed by (the demo citizen sees theirs under "my reports").
    public func seedDemoHistory(count: Int, reporters: [(id: String, name: String)], now: Date = Date(), logger: Logger) async throws -> DemoSummary? {
        let db = try database.db(logger: logger)
        if try await FieldReportRecord.query(on: db).filter(\.$dedupeKey == "demo:0").first() != nil { return nil }
        guard let boundaries, !reporters.isEmpty else { return DemoSummary(created: 0, byState: [:]) }
        var random = DemoRandom(state: 2026)
        // The urban wards carry most of the city's reports.
        let urban: Set<String> = ["phuong-phu-xuan", "phuong-thuan-hoa", "phuong-vy-da", "phuong-an-cuu", "phuong-kim-long", "phuong-thuy-xuan",
                                  "phuong-huong-an", "phuong-duong-no", "phuong-my-thuong", "phuong-thanh-thuy", "phuong-huong-thuy"]
        let weightedAreas = boundaries.areas.flatMap { Array(repeating: $0, count: urban.contains($0.unit) ? 12 : 1) }
        let categories = settings.categories.flatMap { category in
            Array(repeating: category, count: ["road-damage", "garbage", "encroachment", "street-light", "flooding"].contains(category.code) ? 4 : 1)
        }
        let definition = try workflow.definition(settings.process)
        var byState: [String: Int] = [:]
        var index = 0
        while index < count {
            let batch = min(200, count - index)
            var items: [DemoItem] = []
            for offset in 0..<batch {
                items.append(demoReport(number: index + offset, random: &random, areas: weightedAreas, categories: categories, boundaries: boundaries,
                                      reporters: reporters, now: now))
            }
            let prepared = try items.map { try demoRows($0, definition: definition) }
            try await database.write(logger: logger) { [self] db in try await writeDemo(prepared, on: db) }
            for item in items { byState[item.finalState, default: 0] += 1 }
            index += batch
        }
        return DemoSummary(created: count, byState: byState)
    }

    struct DemoItem: Sendable {
        var number: Int
        var category: ReportCategory
        var point: GeoPoint
        var description: String
        var answers: [String: [String]]
        var reporter: (id: String, name: String)
        var channel: ReportChannel
        /// The steps after filing, each with the moment it happened.
        var steps: [(action: String, at: Date, input: ActionInputs)]
        var requestedAt: Date
        var rating: Int?
        var rejection: Rejection?
        var supports: Int
        var finalState: String
    }

    func demoReport(number: Int, random: inout DemoRandom, areas: [UnitBoundaries.Area], categories: [ReportCategory], boundaries: UnitBoundaries,
                  reporters: [(id: String, name: String)], now: Date) -> DemoItem {
        let category = random.pick(categories)
        var point = GeoPoint(latitude: 0, longitude: 0)
        for _ in 0..<20 {
            let area = random.pick(areas)
            let candidate = GeoPoint(latitude: area.centre.latitude + random.gaussian() * 0.006, longitude: area.centre.longitude + random.gaussian() * 0.006)
            if boundaries.insideCity(candidate) { point = candidate; break }
            point = area.centre
        }
        // Older reports are mostly finished; the last days are still being worked on.
        let ageDays = pow(random.unit(), 1.4) * 120
        var requestedAt = now.addingTimeInterval(-ageDays * 86_400)
        let hour = Calendar(identifier: .gregorian).component(.hour, from: requestedAt)
        if hour < 1 || hour > 14 { requestedAt = requestedAt.addingTimeInterval(Double(random.int(1..<6)) * 3600) }
        // Moving a report into office hours must not move it into the future (a demo report from tonight would also use
        // up its reporter's filing budget for the next hours): every demo report is at least ten minutes old.
        requestedAt = min(requestedAt, now.addingTimeInterval(-Double(random.int(10..<120)) * 60))
        // One report in a hundred has just come in (10–25 minutes ago, before anyone could verify it), so whatever the
        // hour the demo starts, the operations centre has reports waiting; otherwise that depended on the time of day.
        if number % 100 == 7 { requestedAt = now.addingTimeInterval(-(10 + ageDays.truncatingRemainder(dividingBy: 1) * 15) * 60) }
        var answers: [String: [String]] = [:]
        for question in category.questions ?? [] where question.required || random.unit() < 0.5 {
            switch question.datatype {
            case .singlevaluelist, .multivaluelist: answers[question.code] = [random.pick(question.values ?? []).key]
            case .number: answers[question.code] = [String(random.int(10..<60))]
            case .datetime: answers[question.code] = [W3CDate.format(requestedAt.addingTimeInterval(-3600))]
            case .string, .text: answers[question.code] = [question.code == "business_name" ? "Quán ăn số \(random.int(1..<200))" : "Không rõ"]
            }
        }
        let text = String(format: random.pick(Self.demoTexts[category.code] ?? ["Sự cố trên đường %@"]), random.pick(Self.demoStreets))
        var steps: [(ReportFlowAction, Date, ActionInputs)] = []
        var at = requestedAt
        func later(_ hours: Double) -> Date? {
            at = at.addingTimeInterval(hours * 3600)
            return at < now ? at : nil
        }
        var rating: Int?
        var rejection: Rejection?
        var final = ReportFlowState.submitted
        let roll = random.unit()
        if let accepted = later(0.5 + random.unit() * 6) {
            if roll < 0.06 {
                rejection = random.pick([.invalid, .notResponsible, .duplicate])
                steps.append((.reject, accepted, ActionInputs(reason: rejection == .notResponsible ? "Thuộc thẩm quyền của doanh nghiệp điện lực" : "Thông tin phản ánh không chính xác")))
                final = .rejected
            } else {
                steps.append((.accept, accepted, ActionInputs()))
                final = .inProgress
                // Most are handled within the deadline; some take far longer.
                let budget = category.deadline.approximateHours
                let handling = roll < 0.22 ? budget * (1.5 + random.unit() * 3) : budget * (0.15 + random.unit() * 0.8)
                if let resolved = later(handling) {
                    steps.append((.resolve, resolved, ActionInputs(note: "Đơn vị đã kiểm tra, xử lý xong tại hiện trường.")))
                    final = .resolved
                    if random.unit() < 0.05, let reopened = later(20) {
                        steps.append((.reopen, reopened, ActionInputs(reason: "Vẫn chưa xử lý triệt để")))
                        final = .inProgress
                        if let again = later(budget * 0.5) {
                            steps.append((.resolve, again, ActionInputs(note: "Đã xử lý lại, kiểm tra đạt yêu cầu.")))
                            final = .resolved
                        }
                    }
                    if final == .resolved, random.unit() < 0.65, let closed = later(6 + random.unit() * 48) {
                        rating = roll < 0.22 ? random.int(1..<4) : random.int(3..<6)
                        steps.append((.close, closed, ActionInputs(note: "Người phản ánh đánh giá \(rating ?? 0)/5.")))
                        final = .closed
                    } else if final == .resolved, at.addingTimeInterval(Double(settings.reopenWindowDays) * 86_400) < now {
                        steps.append((.close, at.addingTimeInterval(Double(settings.reopenWindowDays) * 86_400), ActionInputs(note: "Tự động đóng.")))
                        final = .closed
                    }
                }
            }
        }
        return DemoItem(number: number, category: category, point: point, description: text, answers: answers, reporter: random.pick(reporters),
                        channel: random.pick([.app, .app, .app, .web, .hotline, .camera]), steps: steps.map { (action: $0.0.rawValue, at: $0.1, input: $0.2) },
                        requestedAt: requestedAt, rating: rating, rejection: rejection,
                        supports: final == .inProgress || final == .submitted ? random.int(0..<9) : 0, finalState: final.rawValue)
    }

    /// One demo report as rows: its case history, the report row and its public updates.
    struct DemoRows: Sendable {
        var history: CaseHistory
        var report: [any SQLExpression]
        var updates: [(state: String, author: String, description: String, at: Date)]
        var id: UUID
        var filed: DomainEvent
    }

    func demoRows(_ item: DemoItem, definition: ProcessDefinition) throws -> DemoRows {
        let code = "PA-\(codeDay(item.requestedAt))-D\(String(format: "%05d", item.number))"
        let routed = routing.unit(for: item.category, at: item.point)
        let reporter = WorkflowActor(id: item.reporter.id, name: item.reporter.name, grants: [], isApplicant: true)
        let history = try workflow.history(
            process: settings.process, subject: "\(Self.subjectKind):\(code)", unit: settings.intakeUnit, competentUnit: routed,
            deadline: item.category.deadline, startedBy: reporter, at: item.requestedAt,
            steps: item.steps.map {
                CaseHistory.Step(action: $0.action, actor: $0.action == ReportFlowAction.reopen.rawValue ? reporter : .system, inputs: $0.input, at: $0.at)
            })
        var updates: [(state: String, author: String, description: String, at: Date)] =
            [(history.start.state, "HueS", "Đã tiếp nhận phản ánh, đang chờ xác minh.", item.requestedAt)]
        var acceptedAt: Date?
        var resolvedAt: Date?
        var handling: Int?
        var result: String?
        for (next, transition) in history.steps {
            let flow = ReportFlowAction(rawValue: transition.action)
            switch flow {
            case .accept?: acceptedAt = transition.at
            case .resolve?:
                resolvedAt = transition.at
                result = transition.note
                handling = Int(transition.at.timeIntervalSince(acceptedAt ?? item.requestedAt))
            case .reopen?:
                resolvedAt = nil
                handling = nil
            default: break
            }
            if let note = publicNote(transition.action, input: ReportAction(note: transition.note, reason: transition.reason), next: next, target: nil) {
                updates.append((flow == .reopen ? ReportTimelineMark.reopened : next.state,
                                flow == .reopen ? "Người phản ánh" : unitName(next.unitCode), note, transition.at))
            }
        }
        let final = history.instance
        let isOpen = final.isOpen(in: definition)
        let id = UUID()
        let byPerson = item.channel != .hotline && item.channel != .camera
        let report: [any SQLExpression] = [
            SQLBind(id), SQLBind(code), SQLBind(item.category.code), SQLBind(item.description), SQLBind(item.point.latitude), SQLBind(item.point.longitude),
            SQLBind(GridCell.of(item.point)), SQLBind(String?.none), SQLBind(final.unitCode), SQLBind(final.state), SQLBind(isOpen),
            SQLBind(item.category.isPublic), SQLBind(item.channel.rawValue), SQLBind(byPerson ? item.reporter.id : nil),
            SQLBind(item.channel == .camera ? "Camera giám sát" : item.reporter.name), SQLBind(String?.none), SQLBind(false), SQLBind(UUID?.none),
            SQLBind("demo:\(item.number)"), SQLBind(String?.none), SQLBind(UUID?.none), SQLBind(final.id), SQLBind(item.supports),
            SQLBind(final.state == ReportFlowState.closed.rawValue ? item.rating : nil), SQLBind(String?.none), SQLBind(try Self.encode(item.answers)),
            SQLBind(item.rejection?.rawValue), SQLBind(result), SQLBind(acceptedAt), SQLBind(resolvedAt), SQLBind(handling),
            SQLBind(final.effectiveDue ?? final.clock?.due), SQLBind(final.onTime), SQLBind(item.requestedAt), SQLBind(final.updatedAt),
        ]
        let filed = try DomainEvent(type: "field-report.filed", actorID: byPerson ? item.reporter.id : nil, actorName: item.reporter.name,
                                    unitCode: routed, subject: "\(Self.subjectKind):\(code)",
                                    payload: ["category": item.category.code, "channel": item.channel.rawValue, "routedTo": routed, "case": code],
                                    occurredAt: item.requestedAt)
        return DemoRows(history: history, report: report, updates: updates, id: id, filed: filed)
    }

    private func writeDemo(_ rows: [DemoRows], on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        try await workflow.importHistories(rows.map(\.history), on: db)
        var reports = sql.insert(into: FieldReportRecord.schema).columns(
            "id", "code", "category", "description", "latitude", "longitude", "cell", "address", "unit_code", "state", "is_open", "is_public", "channel",
            "reporter_id", "reporter_name", "reporter_contact", "anonymous", "client_id", "dedupe_key", "request_digest", "case_id", "instance_id",
            "supports", "rating", "rating_comment", "attributes", "rejection", "result_note", "accepted_at", "resolved_at", "handling_seconds", "due_at",
            "on_time", "requested_at", "updated_at")
        for row in rows { reports = reports.values(row.report) }
        try await reports.run()
        let updates = rows.flatMap { row in row.updates.map { (row.id, $0) } }
        for start in stride(from: 0, to: updates.count, by: 400) {
            var insert = sql.insert(into: FieldReportUpdateRecord.schema).columns("report_id", "state", "description", "author", "at")
            for (id, update) in updates[start..<min(start + 400, updates.count)] {
                insert = insert.values([SQLBind(id), SQLBind(update.state), SQLBind(update.description), SQLBind(update.author), SQLBind(update.at)])
            }
            try await insert.run()
        }
        try await EventLog.append(contentsOf: rows.map(\.filed), on: db)
    }

}

extension DeadlineRule {
    /// Roughly how many wall-clock hours the rule gives, for generating plausible histories.
    var approximateHours: Double {
        switch self {
        case .workingHours(let hours): return Double(hours) * 1.6
        case .workingDays(let days): return Double(max(days, 1)) * 24 * 1.3
        case .calendarDays(let days): return Double(max(days, 1)) * 24
        }
    }
}
