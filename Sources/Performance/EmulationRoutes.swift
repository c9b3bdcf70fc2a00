import Foundation
import Hummingbird
import Logging
import Platform

/// Emulation and commendation: admins (for the city's emulation council) open movements, unit leaders register their
/// unit's initiative, the council's points are entered, and awards are recorded with the figures they were decided on.
/// Movements, evaluations and awards are public: the city publishes them.
struct EmulationAPI: Sendable {
    let cards: ScorecardReading

    struct InitiativeView: Encodable, Sendable {
        var id: UUID
        var movement: String
        var unit: String
        var unitName: String
        var title: String
        var description: String
        var registeredAt: Date
        var evaluation: Evaluation
        var award: Award?
    }

    struct MovementView: Encodable, Sendable {
        var movement: Movement
        var initiatives: [InitiativeView]
        var explanation: [String: String]
    }

    func addRoutes(to routes: SecuredRouter) {
        routes.on(.get, "/api/v1/emulation/movements", access: .everyone,
                  summary: "The city's emulation movements, each initiative evaluated on its unit's data and the council's points") { _, context in
            JSONResponse(try await movements(logger: context.logger))
        }
        routes.on(.post, "/api/v1/emulation/movements", access: .roles([.admin]), summary: "Open an emulation movement for a period") { request, context in
            var request = request
            let input = try await request.decodeValid(NewMovement.self, context: context)
            let movement = Movement(code: input.code, name: input.name.trimmingCharacters(in: .whitespaces), period: ReportingPeriod(input.period)?.label ?? input.period,
                                    dataWeight: input.dataWeight, createdAt: cards.clock())
            let principal = try context.requirePrincipal()
            try await cards.database.write(logger: context.logger) { db in try await EmulationStore.create(movement, actor: principal, on: db) }
            return JSONResponse(movement, status: .created)
        }
        routes.on(.post, "/api/v1/emulation/movements/:code/initiatives", access: .roles([.unitLeader, .admin]),
                  summary: "Register a unit's initiative in a movement (its leader)") { request, context in
            var request = request
            let input = try await request.decodeValid(NewInitiative.self, context: context)
            return JSONResponse(try await register(input, in: context.parameters.get("code") ?? "", principal: try context.requirePrincipal(),
                                                   logger: context.logger), status: .created)
        }
        routes.on(.put, "/api/v1/emulation/initiatives/:id/assessment", access: .roles([.admin]),
                  summary: "Enter the emulation council's points for an initiative") { request, context in
            var request = request
            let input = try await request.decodeValid(CouncilAssessment.self, context: context)
            return JSONResponse(try await assess(try Self.id(context), input, principal: try context.requirePrincipal(), logger: context.logger))
        }
        routes.on(.post, "/api/v1/emulation/initiatives/:id/award", access: .roles([.admin]),
                  summary: "Record an award for an initiative, with the figures it was decided on") { request, context in
            var request = request
            let input = try await request.decodeValid(NewAward.self, context: context)
            return JSONResponse(try await award(try Self.id(context), input, principal: try context.requirePrincipal(), logger: context.logger),
                                status: .created)
        }
        routes.on(.get, "/api/v1/emulation/awards", access: .everyone, summary: "Awards given, with the figures behind each") { _, context in
            JSONResponse(try await awards(logger: context.logger))
        }
    }

    static func id(_ context: HuesRequestContext) throws -> UUID {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Problem.notFound("No such initiative.") }
        return id
    }

    /// The newest movements (at most `Self.listed`), each unit's scorecard for a period computed once per request.
    func movements(logger: Logger) async throws -> [MovementView] {
        let sql = try cards.database.sql(logger: logger)
        var views: [MovementView] = []
        var cardsSeen: [String: Scorecard] = [:]
        for movement in try await EmulationStore.movements(on: sql).prefix(Self.listed) {
            var initiatives: [InitiativeView] = []
            for initiative in try await EmulationStore.initiatives(of: movement.code, logger: logger, on: sql) {
                initiatives.append(try await view(initiative, movement: movement, cache: &cardsSeen, logger: logger))
            }
            views.append(MovementView(movement: movement, initiatives: initiatives, explanation: Self.explanation(movement)))
        }
        return views
    }

    /// Movements listed at once: a city opens a few a year.
    static let listed = 50

    /// Every award with the figures it was decided on (stored with it: nothing to compute).
    func awards(logger: Logger) async throws -> [InitiativeView] {
        try await EmulationStore.awarded(logger: logger, on: try cards.database.sql(logger: logger)).map { initiative in
            InitiativeView(id: initiative.id, movement: initiative.movement, unit: initiative.unit, unitName: cards.unitName(initiative.unit, "vi"),
                           title: initiative.title, description: initiative.description, registeredAt: initiative.registeredAt,
                           evaluation: Evaluation(award: initiative.award), award: initiative.award)
        }
    }

    func register(_ input: NewInitiative, in code: String, principal: Principal, logger: Logger) async throws -> InitiativeView {
        guard let movement = try await EmulationStore.movement(code, on: try cards.database.sql(logger: logger)) else { throw Problem.notFound("No such movement.") }
        guard principal.has(.admin) || principal.has(.unitLeader, in: input.unit) else {
            throw Problem.forbidden("A unit's initiative is registered by its leader.")
        }
        guard cards.profile.units.contains(where: { $0.code == input.unit }) else {
            throw Problem.validation([.init(field: "unit", message: "is not a unit of the city")])
        }
        let initiative = Initiative(id: UUID(), movement: movement.code, unit: input.unit, title: input.title.trimmingCharacters(in: .whitespaces),
                                    description: input.description, registeredBy: principal.username, registeredAt: cards.clock())
        try await cards.database.write(logger: logger) { db in try await EmulationStore.register(initiative, actor: principal, on: db) }
        return try await view(initiative, movement: movement, logger: logger)
    }

    func assess(_ id: UUID, _ input: CouncilAssessment, principal: Principal, logger: Logger) async throws -> InitiativeView {
        var (initiative, movement) = try await find(id, logger: logger)
        guard initiative.award == nil else { throw Problem.conflict("The initiative has been awarded; its figures are final.") }
        initiative.councilPoints = input.points
        initiative.councilNote = input.note
        let written = try await cards.database.write(logger: logger) { [initiative] db in
            try await EmulationStore.assess(initiative, actor: principal, at: cards.clock(), on: db)
        }
        guard written else { throw Problem.conflict("The initiative has been awarded; its figures are final.") }
        return try await view(initiative, movement: movement, logger: logger)
    }

    func award(_ id: UUID, _ input: NewAward, principal: Principal, logger: Logger) async throws -> InitiativeView {
        var (initiative, movement) = try await find(id, logger: logger)
        guard initiative.award == nil else { throw Problem.conflict("The initiative has been awarded already.") }
        guard let council = initiative.councilPoints else {
            throw Problem.unprocessable([.init(field: "initiative", message: "has no council assessment yet")])
        }
        // Awarded on the period's final figures only: until its last day is over, cases still come in and finish.
        guard let period = ReportingPeriod(movement.period), cards.clock() >= period.instants(in: cards.profile.calendar).end else {
            throw Problem.unprocessable([.init(field: "initiative", message: "its movement's period (\(movement.period)) is not over yet")])
        }
        let evaluation = try await evaluate(initiative, movement: movement, logger: logger)
        initiative.award = Award(title: input.title.trimmingCharacters(in: .whitespaces), decision: input.decision.trimmingCharacters(in: .whitespaces),
                                 awardedAt: cards.clock(), dataScore: evaluation.dataScore, councilPoints: council, evaluation: evaluation.evaluation)
        let written = try await cards.database.write(logger: logger) { [initiative] db in
            try await EmulationStore.award(initiative, actor: principal, at: cards.clock(), on: db)
        }
        guard written else { throw Problem.conflict("The initiative was awarded or reassessed meanwhile; look again.") }
        return try await view(initiative, movement: movement, logger: logger)
    }

    func find(_ id: UUID, logger: Logger) async throws -> (Initiative, Movement) {
        let sql = try cards.database.sql(logger: logger)
        guard let initiative = try await EmulationStore.initiative(id, logger: logger, on: sql),
              let movement = try await EmulationStore.movement(initiative.movement, on: sql) else { throw Problem.notFound("No such initiative.") }
        return (initiative, movement)
    }

    /// The unit's share of the Decision 766 points it could earn in the movement's period, and the council's points;
    /// an awarded initiative keeps the figures it was awarded on.
    func evaluate(_ initiative: Initiative, movement: Movement, cache: inout [String: Scorecard], logger: Logger) async throws -> Evaluation {
        if let award = initiative.award { return Evaluation(award: award) }
        guard let period = ReportingPeriod(movement.period) else { throw Problem.internal() }
        let key = "\(initiative.unit)|\(period.label)"
        let card: Scorecard
        if let seen = cache[key] { card = seen } else {
            card = try await cards.card(unit: initiative.unit, period: period, logger: logger)
            cache[key] = card
        }
        return Evaluation(card: card, councilPoints: initiative.councilPoints, dataWeight: movement.dataWeight)
    }

    func evaluate(_ initiative: Initiative, movement: Movement, logger: Logger) async throws -> Evaluation {
        var cache: [String: Scorecard] = [:]
        return try await evaluate(initiative, movement: movement, cache: &cache, logger: logger)
    }

    func view(_ initiative: Initiative, movement: Movement, logger: Logger) async throws -> InitiativeView {
        var cache: [String: Scorecard] = [:]
        return try await view(initiative, movement: movement, cache: &cache, logger: logger)
    }

    func view(_ initiative: Initiative, movement: Movement, cache: inout [String: Scorecard], logger: Logger) async throws -> InitiativeView {
        InitiativeView(id: initiative.id, movement: initiative.movement, unit: initiative.unit, unitName: cards.unitName(initiative.unit, "vi"),
                       title: initiative.title, description: initiative.description, registeredAt: initiative.registeredAt,
                       evaluation: try await evaluate(initiative, movement: movement, cache: &cache, logger: logger), award: initiative.award)
    }

    static func explanation(_ movement: Movement) -> [String: String] {
        let data = SVGChart.format(movement.dataWeight * 100), council = SVGChart.format((1 - movement.dataWeight) * 100)
        return ["vi": "Điểm đánh giá = \(data) % × tỷ lệ điểm Bộ chỉ số 766 của đơn vị trong kỳ \(movement.period) + \(council) % × điểm của Hội đồng thi đua.",
                "en": "Evaluation = \(data) % × the unit's share of its possible Decision 766 points in \(movement.period) + \(council) % × the council's points."]
    }
}
