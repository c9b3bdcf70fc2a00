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

    /// The scorecard of the cases asked for, added up by the database, with the figures entered for the indicators
    /// kept outside.
    func card(of asked: Asked, logger: Logger) async throws -> Scorecard {
        let sql = try database.sql(logger: logger)
        var entered = try await OutsideFigures.covering(asked.period, unit: asked.unit, on: sql)
        if let level = asked.level { entered = entered.filter { level.units(of: profile).contains($0.unit) } }
        var card = Scorecard(unit: asked.unit, period: asked.period, asOf: asked.asOf, tallies: try await tallies(of: asked, logger: logger),
                             indicators: indicators, outside: OutsideFigures.sums(entered))
        card.level = asked.level
        return card
    }

    /// The cases asked for, added up per unit and kind by the database.
    func tallies(of asked: Asked, logger: Logger) async throws -> [CaseTally] {
        let (start, end) = asked.period.instants(in: profile.calendar)
        let tallies = try await CaseTally.count(from: start, to: end, unit: asked.unit, kinds: countedKinds, asOf: asked.asOf,
                                                on: try database.sql(logger: logger))
        guard let level = asked.level else { return tallies }
        let units = level.units(of: profile)
        return tallies.filter { units.contains($0.unitCode) }
    }

    /// The kinds of case the indicators count.
    var countedKinds: [String] { Array(Set(indicators.compactMap(\.kind))).sorted() }

    /// The cases asked for, one by one (of one kind when named; a page by subject with `page`): for lists and
    /// figures a tally cannot give.
    func facts(of asked: Asked, kind: String? = nil, page: (after: String, limit: Int)? = nil, logger: Logger) async throws -> [CaseFact] {
        let (start, end) = asked.period.instants(in: profile.calendar)
        return try await CaseFacts.received(from: start, to: end, unit: asked.unit, units: asked.level?.units(of: profile), kind: kind, page: page,
                                            on: try database.sql(logger: logger))
    }

    struct Entered: Encodable {
        var unit: String?
        var period: ReportingPeriod
        var figures: [OutsideFigure]
    }

    /// The figures entered for the indicators kept outside the platform, in the unit (or city) and period asked for:
    /// where a unit has none for the period itself, those of its quarters or months.
    func outsideFigures(_ request: Request, principal: Principal, logger: Logger) async throws -> Entered {
        let query = request.uri.queryParameters
        let (unit, period) = try scope(unit: query.get("unit"), period: query.get("period"), principal: principal)
        return Entered(unit: unit, period: period,
                       figures: try await OutsideFigures.covering(period, unit: unit, on: try database.sql(logger: logger)))
    }

    func fieldReportFigures(_ request: Request, principal: Principal, logger: Logger) async throws -> FieldReportFigures {
        let asked = try await received(request, principal: principal, logger: logger)
        return FieldReportFigures(unit: asked.unit, period: asked.period, asOf: asked.asOf,
                                  facts: try await facts(of: asked, kind: "field-report", logger: logger), calendar: profile.calendar)
    }

    /// The unit (or level) and period the request asks for, once the caller may see them, and the moment the cases
    /// are judged at: now, or the period's end when it is over.
    /// `level` (commune or department) narrows the city to the units of that level, for those who see the city.
    func received(_ request: Request, principal: Principal, logger: Logger) async throws -> Asked {
        let query = request.uri.queryParameters
        let level = try UnitLevel.parse(query.get("level"))
        if level != nil {
            guard seesCity(principal) else { throw Problem.forbidden("Only the operations centre and admins see a level of the city.") }
            guard (query.get("unit") ?? "").isEmpty else { throw Problem.badRequest("Ask for a unit or a level, not both.") }
        }
        let (unit, period) = try scope(unit: query.get("unit"), period: query.get("period"), principal: principal)
        return Asked(unit: unit, period: period, asOf: min(clock(), period.instants(in: profile.calendar).end), level: level)
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
        // One more than the page, to know whether another follows; an indicator kept outside has no cases here.
        var facts: [CaseFact] = []
        if let kind = indicator.kind { facts = try await self.facts(of: asked, kind: kind, page: (after, limit + 1), logger: logger) }
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
