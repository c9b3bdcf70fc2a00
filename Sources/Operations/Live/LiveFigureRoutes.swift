import Foundation
import Hummingbird
import Platform

/// `/api/v1/operations/indicators`: the city's live figures as they stand, one figure with its breakdown, and a
/// figure's series. They are city-wide totals with no person in them, so anyone may read them (the public cache
/// keeps them until a figure moves); `/api/v1/live?topics=operations.figures` says when to ask again.
struct LiveFigureRoutes {
    let figures: LiveFigures
    let changes: ChangeTopics
    let clock: @Sendable () -> Date
    let publicMemo = IndicatorBoardMemo()
    let staffMemo = IndicatorBoardMemo()

    /// Staff of any unit, the operations and security centres and admins see every breakdown.
    static func isStaff(_ principal: Principal?) -> Bool {
        Access.roles([.officer, .unitLeader, .iocOperator, .socAnalyst, .admin]).allows(principal)
    }

    /// The figure as the caller may see it: a breakdown its module keeps from the public goes to staff only.
    static func shown(_ value: LiveFigureValue, to staff: Bool, book: LiveFigureBook) -> LiveFigureValue {
        staff || book.figure(value.code)?.publicDetail == true ? value : value.totalOnly
    }
    /// Points one series answer may hold, whatever the resolution.
    static let maximumPoints: Int64 = 3_000

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/operations/indicators", access: .everyone, summary: "The city's live figures, with their values by unit and by category") { _, context in
            let now = clock()
            let logger = context.logger
            let staff = Self.isStaff(context.principal)
            let board = try await (staff ? staffMemo : publicMemo).board(generation: changes.generation([LiveFigureValues.streamTopic]), at: now) {
                [figures] in
                let behind = try await figures.projection.lag(logger: logger)
                let values = try await figures.values.all(at: now, logger: logger)
                return IndicatorBoard(asOf: now, eventsBehind: behind, figures: values.map { Self.shown($0, to: staff, book: figures.book) })
            }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: board))
        }
        routes.on(.get, "/api/v1/operations/indicators/:code", access: .everyone, summary: "One live figure") { _, context in
            let code = try code(context)
            guard let value = try await figures.values.value(code, at: clock(), logger: context.logger) else { throw Problem.notFound("No live figure \(code).") }
            return JSONResponse(Self.shown(value, to: Self.isStaff(context.principal), book: figures.book))
        }
        routes.on(.get, "/api/v1/operations/indicators/:code/series", access: .everyone,
                  summary: "A live figure's city value by minute, hour or day (resolution, from, to)") { request, context in
            let code = try code(context)
            let parameters = request.uri.queryParameters
            // Minute by minute, a figure whose detail is for staff (payments made, ratings given) would show each act
            // as it happened: others see it by the hour.
            let detailed = Self.isStaff(context.principal) || figures.book.figure(code)?.publicDetail == true
            let resolution = try parameters.get("resolution").map { text in
                guard let resolution = LiveFigureSeries.Resolution(rawValue: text) else {
                    throw Problem.validation([.init(field: "resolution", message: "minute, hour or day")])
                }
                guard detailed || resolution != .minute else { throw Problem.forbidden("This figure by the minute is for the city's staff; ask by hour or day.") }
                return resolution
            } ?? (detailed ? .minute : .hour)
            let (from, to) = try span(parameters.get("from"), parameters.get("to"), resolution: resolution)
            let points = try await figures.points(code, resolution: resolution, from: from, to: to, logger: context.logger)
            return JSONResponse(IndicatorSeries(code: code, resolution: resolution.rawValue, points: points))
        }
    }

    /// A declared figure's code from the path; 404 for any other.
    func code(_ context: HuesRequestContext) throws -> String {
        let code = context.parameters.get("code") ?? ""
        guard code.utf8.count <= 100, figures.book.figure(code) != nil else { throw Problem.notFound("No live figure \(code.prefix(100)).") }
        return code
    }

    /// The window asked for: `from` and `to` as ISO 8601 moments (defaults: the resolution's usual span up to now),
    /// within what is kept and at most `maximumPoints` buckets.
    func span(_ fromText: String?, _ toText: String?, resolution: LiveFigureSeries.Resolution) throws -> (Date, Date) {
        func moment(_ text: String?, _ field: String) throws -> Date? {
            guard let text else { return nil }
            guard text.utf8.count <= 40, let date = try? Date(text, strategy: .iso8601), date.timeIntervalSince1970.magnitude < 1e11 else {
                throw Problem.validation([.init(field: field, message: "an ISO 8601 moment such as 2026-12-02T08:00:00Z")])
            }
            return date
        }
        let to = try moment(toText, "to") ?? clock()
        let from = try moment(fromText, "from") ?? to.addingTimeInterval(-Double(resolution.defaultSpan) / 1000)
        guard from <= to else { throw Problem.validation([.init(field: "from", message: "before to")]) }
        let buckets = (to.timeIntervalSince(from) * 1000) / Double(resolution.milliseconds)
        guard buckets <= Double(Self.maximumPoints) else {
            throw Problem.validation([.init(field: "from", message: "at most \(Self.maximumPoints) \(resolution.rawValue)s in one answer")])
        }
        return (from, to)
    }
}

struct IndicatorBoard: Encodable, Sendable {
    let asOf: Date
    /// Logged events the figures have yet to read: 0 when they are current.
    let eventsBehind: Int
    let figures: [LiveFigureValue]
}

struct IndicatorSeries: Encodable, Sendable {
    let code: String
    let resolution: String
    let points: [LiveFigureSeries.Point]
}
