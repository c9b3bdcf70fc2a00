import Foundation
import Hummingbird
import Logging
import Platform

/// The scorecard API: who may see which unit, the period asked for, and the cases behind a figure.
struct ScorecardReading: Sendable {
    let database: PlatformDatabase
    let profile: CityProfile
    let indicators: [Indicator766]
    let clock: @Sendable () -> Date

    /// `unit` (omitted: the city for operators and admins, a leader's own unit) and `period` (omitted: this month).
    func scorecard(_ request: Request, principal: Principal, logger: Logger) async throws -> Scorecard {
        try await card(of: try await received(request, principal: principal, logger: logger), logger: logger)
    }

    /// The scorecard of the cases asked for, with the figures entered for the indicators kept outside.
    func card(of asked: Asked, logger: Logger) async throws -> Scorecard {
        var entered = try await OutsideFigures.entered(period: asked.period.label, unit: asked.unit, on: try database.sql(logger: logger))
        if let level = asked.level { entered = entered.filter { level.units(of: profile).contains($0.unit) } }
        var card = Scorecard(unit: asked.unit, period: asked.period, asOf: asked.asOf, facts: asked.facts, indicators: indicators,
                             outside: OutsideFigures.sums(entered))
        card.level = asked.level
        return card
    }

    struct Entered: Encodable {
        var unit: String?
        var period: ReportingPeriod
        var figures: [OutsideFigure]
    }

    /// The figures entered for the indicators kept outside the platform, in the unit (or city) and period asked for.
    func outsideFigures(_ request: Request, principal: Principal, logger: Logger) async throws -> Entered {
        let query = request.uri.queryParameters
        let (unit, period) = try scope(unit: query.get("unit"), period: query.get("period"), principal: principal)
        return Entered(unit: unit, period: period,
                       figures: try await OutsideFigures.entered(period: period.label, unit: unit, on: try database.sql(logger: logger)))
    }

    /// An admin enters one figure; the indicator must be one the city keeps outside the platform.
    func enter(_ input: OutsideFigureInput, principal: Principal, logger: Logger) async throws -> OutsideFigure {
        guard indicators.contains(where: { $0.code == input.indicator && $0.formula == .outside }) else {
            let outside = indicators.filter { $0.formula == .outside }.map(\.code).joined(separator: ", ")
            throw Problem.validation([.init(field: "indicator", message: "must be one kept outside the platform: \(outside)")])
        }
        guard profile.units.contains(where: { $0.code == input.unit }) else {
            throw Problem.validation([.init(field: "unit", message: "is not a unit of the city")])
        }
        guard let period = ReportingPeriod(input.period) else { throw Problem.validation([.init(field: "period", message: "is not a period")]) }
        let figure = OutsideFigure(unit: input.unit, period: period.label, indicator: input.indicator, numerator: input.numerator,
                                   denominator: input.denominator, source: input.source.trimmingCharacters(in: .whitespacesAndNewlines),
                                   enteredBy: principal.username, enteredAt: clock())
        try await database.write(logger: logger) { db in try await OutsideFigures.save(figure, actorID: principal.accountID, on: db) }
        return figure
    }

    func fieldReportFigures(_ request: Request, principal: Principal, logger: Logger) async throws -> FieldReportFigures {
        let asked = try await received(request, principal: principal, logger: logger)
        return FieldReportFigures(unit: asked.unit, period: asked.period, asOf: asked.asOf, facts: asked.facts, calendar: profile.calendar)
    }

    /// The cases received in the unit and period the request asks for, once the caller may see them, and the moment
    /// they are judged at: now, or the period's end when it is over.
    /// `level` (commune or department) narrows the city to the units of that level, for those who see the city.
    func received(_ request: Request, principal: Principal, logger: Logger) async throws -> Asked {
        let query = request.uri.queryParameters
        let level = try UnitLevel.parse(query.get("level"))
        if level != nil {
            guard seesCity(principal) else { throw Problem.forbidden("Only the operations centre and admins see a level of the city.") }
            guard (query.get("unit") ?? "").isEmpty else { throw Problem.badRequest("Ask for a unit or a level, not both.") }
        }
        let (unit, period) = try scope(unit: query.get("unit"), period: query.get("period"), principal: principal)
        let (start, end) = period.instants(in: profile.calendar)
        var facts = try await CaseFacts.received(from: start, to: end, unit: unit, on: try database.sql(logger: logger))
        if let level {
            let units = level.units(of: profile)
            facts = facts.filter { units.contains($0.unitCode) }
        }
        return Asked(unit: unit, period: period, asOf: min(clock(), end), facts: facts, level: level)
    }

    struct CountedCase: Encodable {
        var subject: String
        var unit: String
        var receivedAt: Date
        var dueAt: Date?
        var paused: Bool
        var finishedAt: Date?
        var onTime: Bool?
        var channel: String?
        var rating: Int?
        var overdue: Bool
        var disliked: Bool
        /// Which events to read for the whole story: the case's subject in the event log, up to this entry.
        var lastEvent: Int
    }

    struct Cases: Encodable {
        var indicator: Indicator766
        var unit: String?
        var period: ReportingPeriod
        var asOf: Date
        var cases: [CountedCase]
        /// The `after` of the next page, when there is one.
        var next: String?
    }

    /// A page of the cases (by subject, `limit` up to 500, then `after` the last one seen).
    func cases(_ request: Request, principal: Principal, logger: Logger) async throws -> Cases {
        let query = request.uri.queryParameters
        let code = query.get("indicator") ?? ""
        guard let indicator = indicators.first(where: { $0.code == code }) else {
            throw Problem.badRequest("indicator must be one of \(indicators.map(\.code).joined(separator: ", ")).")
        }
        let limit = try request.queryInteger("limit", in: 1...500) ?? 200
        let after = query.get("after") ?? ""
        let asked = try await received(request, principal: principal, logger: logger)
        let asOf = asked.asOf
        let facts = asked.facts.filter { $0.kind == indicator.kind && $0.subject > after }.sorted { $0.subject < $1.subject }
        let page = facts.prefix(limit)
        return Cases(indicator: indicator, unit: asked.unit, period: asked.period, asOf: asOf, cases: page.map { fact in
            CountedCase(subject: fact.subject, unit: fact.unitCode, receivedAt: fact.receivedAt, dueAt: fact.dueAt, paused: fact.paused,
                        finishedAt: fact.finishedAt, onTime: fact.onTime, channel: fact.channel, rating: fact.rating,
                        overdue: Scorecard.isOverdue(fact, asOf: asOf), disliked: Scorecard.isDisliked(fact), lastEvent: fact.lastSeq)
        }, next: facts.count > limit ? page.last?.subject : nil)
    }

    /// The unit and period asked for, once the caller may see that unit: admins and the operations centre's IOC
    /// operators see any unit and the city; a unit leader sees the units they lead, and nothing city-wide.
    func scope(unit: String?, period text: String?, principal: Principal) throws -> (unit: String?, period: ReportingPeriod) {
        let period = try period(text)
        let seesCity = seesCity(principal)
        let led = principal.grants.filter { $0.role == .unitLeader }.compactMap(\.unitCode)
        guard let unit, !unit.isEmpty else {
            if seesCity { return (nil, period) }
            guard let own = led.first else { throw Problem.forbidden("Only the operations centre and admins see the whole city.") }
            return (own, period)
        }
        guard seesCity || led.contains(unit) else { throw Problem.forbidden("Leaders see the scorecards of the units they lead.") }
        guard profile.units.contains(where: { $0.code == unit }) else { throw Problem.notFound("No such unit.") }
        return (unit, period)
    }

    /// The period asked for (omitted: this month).
    func period(_ text: String?) throws -> ReportingPeriod {
        guard let text, !text.isEmpty else { return ReportingPeriod.month(of: clock(), calendar: profile.calendar) }
        guard let parsed = ReportingPeriod(text) else {
            throw Problem.badRequest("period must be a year (2026), a quarter (2026-Q4), a month (2026-11) or up to a year of days (2026-11-01..2026-11-15).")
        }
        return parsed
    }

    /// Admins and the operations centre's IOC operators. An IOC operator of a ward has no more reach here than a
    /// ward's own role: only the city's centre sees all.
    func seesCity(_ principal: Principal) -> Bool {
        principal.has(.admin) || profile.city.operationsUnit.map { principal.grants.has(.iocOperator, in: $0) } == true
    }
}

/// What a request asks to be scored: a unit, a level of the city or the whole city, for a period, as of a moment.
struct Asked: Sendable {
    var unit: String?
    var period: ReportingPeriod
    var asOf: Date
    var facts: [CaseFact]
    var level: UnitLevel? = nil
}

/// The levels of the city's administration a scorecard can be asked for: communes and wards (cấp xã), or
/// departments and agencies (cấp sở, ngành).
enum UnitLevel: String, Sendable, Encodable {
    case commune
    case department

    static func parse(_ text: String?) throws -> UnitLevel? {
        guard let text, !text.isEmpty else { return nil }
        guard let level = UnitLevel(rawValue: text) else { throw Problem.badRequest("level must be commune or department.") }
        return level
    }

    func units(of profile: CityProfile) -> Set<String> {
        let kinds: Set<CityProfile.Unit.Kind> = self == .commune ? [.commune, .ward] : [.department, .agency]
        return Set(profile.units.filter { kinds.contains($0.kind) }.map(\.code))
    }
}
