import Foundation
import Hummingbird
import Logging
import Platform
import SQLKit

/// What unit leaders enter by hand, checked the way the grades need it: only for people of a unit they lead, never
/// for themselves, and a leader's own general part only by an admin (the level above).
extension OfficerReading {
    /// `PUT /api/v1/performance/officers/{id}/assessment`.
    func assess(_ id: String, _ input: AssessmentInput, principal: Principal, logger: Logger) async throws -> Assessment {
        guard let period = ReportingPeriod(input.period) else { throw Problem.validation([.init(field: "period", message: "is not a period")]) }
        guard principal.has(.admin) || principal.has(.unitLeader, in: input.unit) else {
            throw Problem.forbidden("Leaders assess the people of the units they lead.")
        }
        guard profile.units.contains(where: { $0.code == input.unit }) else { throw Problem.notFound("No such unit.") }
        guard id != principal.accountID else { throw Problem.forbidden("Nobody assesses themselves; the level above does.") }
        // Who leads whom comes from the staff directory; without it nobody can tell a leader from a colleague.
        guard staff != nil else { throw Problem.forbidden("Assessments need the staff directory (the identity module).") }
        let people = try await scores(unit: input.unit, period: period, logger: logger).people
        guard let person = people.first(where: { $0.officerID == id }) else { throw Problem.notFound("Nobody by that id works in this unit.") }
        guard !person.leader || principal.has(.admin) else { throw Problem.forbidden("A unit leader's general part is entered by the level above.") }
        let entry = Assessment(officerID: id, unitCode: input.unit, period: period.label, generalPoints: input.generalPoints,
                               disqualified: input.disqualified ?? false, note: input.note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "",
                               enteredBy: principal.username, enteredAt: cards.clock())
        try await database.write(logger: logger) { db in
            try await LeaderEntries.save(entry, actorID: principal.accountID, on: db)
        }
        return entry
    }

    struct Excused: Encodable {
        var step: Int
        var reason: String
    }

    /// `PUT /api/v1/performance/work/{seq}/excuse`: a late step had an objective cause; its progress is not reduced.
    func excuse(_ seq: Int, _ input: ExcuseInput, principal: Principal, logger: Logger) async throws -> Excused {
        guard let product = try await WorkProducts.find(seq, on: try database.sql(logger: logger)) else { throw Problem.notFound("No such step of work.") }
        guard principal.has(.admin) || principal.has(.unitLeader, in: product.unitCode) else {
            throw Problem.forbidden("Leaders excuse delays in the units they lead.")
        }
        guard product.officerID != principal.accountID else { throw Problem.forbidden("Nobody excuses their own delays.") }
        guard let staff else { throw Problem.forbidden("Excuses need the staff directory (the identity module).") }
        // A leader excuses only their own staff's delays, and a co-leader's only an admin does.
        let leaders = try await staff.staff(holding: .unitLeader, in: product.unitCode, logger: logger).map(\.accountID)
        guard principal.has(.admin) || !leaders.contains(product.officerID) else {
            throw Problem.forbidden("A unit leader's delays are excused by the level above.")
        }
        guard product.late else { throw Problem.unprocessable([.init(field: "step", message: "was not late; there is nothing to excuse")]) }
        let reason = input.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        try await database.write(logger: logger) { db in
            try await LeaderEntries.excuse(product, reason: reason, by: principal.username, actorID: principal.accountID, at: cards.clock(), on: db)
        }
        return Excused(step: seq, reason: reason)
    }
}
