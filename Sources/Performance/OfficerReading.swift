import Foundation
import Hummingbird
import Logging
import Platform
import SQLKit

/// The Decree 335 API: a unit's people scored for a period, one person's products, a person's own scorecards, and
/// what leaders enter (the general part, objective causes of delays). Leaders see and assess the units they lead;
/// the operations centre and admins see every unit; an officer sees their own.
struct OfficerReading: Sendable {
    let cards: ScorecardReading
    let rules: OfficerRules
    let staff: (any StaffDirectory)?

    var database: PlatformDatabase { cards.database }
    var profile: CityProfile { cards.profile }

    struct UnitOfficers: Encodable {
        var unit: String
        var period: ReportingPeriod
        var asOf: Date
        var target: Double
        /// Each person without their list of products (`/officers/{id}` has it).
        var officers: [OfficerScore]
    }

    /// `GET /api/v1/performance/officers?unit=&period=`.
    func unit(_ request: Request, principal: Principal, logger: Logger) async throws -> UnitOfficers {
        let query = request.uri.queryParameters
        let (unit, period) = try cards.scope(unit: query.get("unit"), period: query.get("period"), principal: principal)
        guard let unit else { throw Problem.badRequest("Name the unit: people are scored within their unit.") }
        let scored = try await scores(unit: unit, period: period, logger: logger)
        return UnitOfficers(unit: unit, period: period, asOf: scored.asOf, target: scored.target, officers: scored.people.map { person in
            var person = person
            person.products = []
            return person
        })
    }

    /// `GET /api/v1/performance/officers/{id}?unit=&period=`: the person's score with every product behind it.
    func officer(_ id: String, _ request: Request, principal: Principal, logger: Logger) async throws -> OfficerScore {
        let query = request.uri.queryParameters
        let unitAsked = query.get("unit") ?? ""
        let isSelf = id == principal.accountID && principal.isStaff(of: unitAsked)
        // An officer asking after a colleague learns nothing, not even that they work there.
        guard isSelf || principal.has(.unitLeader) || principal.has(.iocOperator) || principal.has(.admin) else {
            throw Problem.notFound("Nobody by that id works in this unit.")
        }
        let (unit, period) = isSelf ? (unitAsked, try cards.period(query.get("period")))
            : try cards.scope(unit: unitAsked, period: query.get("period"), principal: principal)
        guard let unit, let person = try await scores(unit: unit, period: period, logger: logger).people.first(where: { $0.officerID == id }) else {
            throw Problem.notFound("Nobody by that id works in this unit.")
        }
        return person
    }

    /// `GET /api/v1/performance/officers/me?period=`: the caller's own score in each unit they work in.
    func mine(_ request: Request, principal: Principal, logger: Logger) async throws -> [OfficerScore] {
        let period = try cards.period(request.uri.queryParameters.get("period"))
        var own: [OfficerScore] = []
        let units = Set(principal.grants.filter { $0.role == .officer || $0.role == .unitLeader }.compactMap(\.unitCode)).sorted()
        for unit in units {
            let people = try await scores(unit: unit, period: period, logger: logger).people
            if let person = people.first(where: { $0.officerID == principal.accountID }) { own.append(person) }
        }
        return own
    }

    /// Everyone of `unit` scored and graded for `period`, as of now or the period's end.
    func scores(unit: String, period: ReportingPeriod, logger: Logger) async throws -> (people: [OfficerScore], target: Double, asOf: Date) {
        let (start, end) = period.instants(in: profile.calendar)
        let asOf = min(cards.clock(), end)
        let sql = try database.sql(logger: logger)
        let products = try await WorkProducts.taken(from: start, to: end, unit: unit, on: sql)
        let cases = try await CaseFacts.find(Set(products.map(\.subject)), on: sql)
        let excuses = try await LeaderEntries.excuses(for: products.filter(\.late).map(\.seq), on: sql)
        let target = rules.dailyTarget * Double(workingDays(of: period, until: asOf))
        let leaders = try await staff?.staff(holding: .unitLeader, in: unit, logger: logger) ?? []
        var members = leaders
        for role in [Role.officer, .iocOperator] { members += try await staff?.staff(holding: role, in: unit, logger: logger) ?? [] }
        var names: [String: String] = [:]
        for member in members { names[member.accountID] = member.name }
        // With the staff directory, a unit scores its own staff only: a step taken in its case by someone of another
        // unit (an admin confirming a fee) is not theirs to grade. Without it, whoever took steps here.
        if staff == nil {
            for product in products where names[product.officerID] == nil { names[product.officerID] = product.officerName }
        }
        let byPerson = Dictionary(grouping: products, by: \.officerID)
        let unitCard = Scorecard(unit: unit, period: period, asOf: asOf,
                                 tallies: try await CaseTally.count(from: start, to: end, unit: unit, kinds: cards.countedKinds, asOf: asOf, on: sql), indicators: cards.indicators,
                                 outside: OutsideFigures.sums(try await OutsideFigures.covering(period, unit: unit, on: sql)))
        let leaderIDs = Set(leaders.map(\.accountID))
        let people = names.keys.sorted().map { id -> OfficerScore in
            let score = OfficerScoring.score(officer: id, name: names[id] ?? id, unit: unit, products: byPerson[id] ?? [], weight: { product in
                let fact = cases[product.subject]
                return rules.weight(kind: fact?.kind ?? "", code: fact?.workKind)
            }, excuses: excuses, target: target)
            return leaderIDs.contains(id) ? OfficerScoring.leading(score, unitCard: unitCard) : score
        }
        let entries = try await LeaderEntries.assessments(unit: unit, period: period.label, on: sql)
        return (OfficerScoring.grade(people, entries: entries).sorted { $0.name < $1.name }, OfficerScoring.round2(target), asOf)
    }

    /// Working days from the period's first day to its last, or to `asOf` while it runs.
    func workingDays(of period: ReportingPeriod, until asOf: Date) -> Int {
        let last = min(period.last, profile.calendar.civilDate(of: asOf.addingTimeInterval(-1)))
        guard period.first <= last else { return 0 }
        return (0...(last.dayNumber - period.first.dayNumber)).filter { profile.calendar.isWorkingDay(period.first.adding(days: $0)) }.count
    }
}
