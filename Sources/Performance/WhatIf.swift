import Foundation
import Hummingbird
import Logging
import Platform

/// "What if": which open cases would move a unit's Decision 766 score most if they ran past their deadline. Every
/// open case of a kind weighs the same on that kind's lines (each is one case in the same rates), so the points at
/// stake are computed once per kind and the cases ordered by them, then by the deadline nearest.
struct WhatIf: Sendable, Encodable {
    struct AtStake: Sendable, Encodable, Equatable {
        var subject: String
        var kind: String
        var dueAt: Date
        /// Waiting on the applicant: its clock is stopped, but it will run again.
        var paused: Bool
        /// Points the unit's scorecard loses if this case goes past its deadline.
        var points: Double
    }

    var unit: String
    var period: ReportingPeriod
    var asOf: Date
    var points: Double
    /// Points lost per case going late, by kind of case.
    var perCase: [String: Double]
    var cases: [AtStake]
    /// How many cases are at stake in all (`cases` holds the first `limit`).
    var total: Int
    var explanation: [String: String]

    init(card: Scorecard, facts: [CaseFact], limit: Int) {
        unit = card.unit ?? ""
        period = card.period
        asOf = card.asOf
        points = card.points
        var perCase: [String: Double] = [:]
        for line in card.lines {
            guard let kind = line.indicator.kind, let numerator = line.numerator, let denominator = line.denominator, denominator > 0,
                  line.indicator.formula == .onTime || line.indicator.formula == .satisfaction, numerator > 0 else { continue }
            let now = line.indicator.points(rate: Double(numerator) / Double(denominator))
            let after = line.indicator.points(rate: Double(numerator - 1) / Double(denominator))
            perCase[kind, default: 0] += now - after
        }
        self.perCase = perCase.mapValues { ($0 * 100).rounded() / 100 }
        let open = facts.compactMap { fact -> AtStake? in
            guard let due = fact.dueAt, fact.finishedAt.map({ $0 > card.asOf }) ?? true, !Scorecard.isOverdue(fact, asOf: card.asOf),
                  let stake = perCase[fact.kind], stake > 0 else { return nil }
            return AtStake(subject: fact.subject, kind: fact.kind, dueAt: due, paused: fact.paused, points: (stake * 100).rounded() / 100)
        }.sorted { ($0.points, $1.dueAt, $1.subject) > ($1.points, $0.dueAt, $0.subject) }
        total = open.count
        cases = Array(open.prefix(limit))
        explanation = [
            "vi": "Hồ sơ, phản ánh đang xử lý còn trong hạn: nếu quá hạn, đơn vị mất số điểm bên cạnh (mỗi trường hợp cùng loại nặng như nhau trong "
                + "các tỷ lệ đúng hạn và hài lòng); xếp theo điểm, rồi theo hạn gần nhất.",
            "en": "Open cases still within their deadline: if one runs late, the unit loses the points beside it (every case of a kind weighs the "
                + "same in the on-time and satisfaction rates); ordered by points, then by the nearest deadline.",
        ]
    }
}

extension ScorecardReading {
    /// `GET /api/v1/performance/what-if?unit=&period=&limit=`: for one unit (a leader's own when absent).
    func whatIf(_ request: Request, principal: Principal, logger: Logger) async throws -> WhatIf {
        let limit = try request.queryInteger("limit", in: 1...500) ?? 50
        let asked = try await received(request, principal: principal, logger: logger)
        guard asked.unit != nil else { throw Problem.badRequest("Name the unit: the cases at stake are a unit's.") }
        return WhatIf(card: try await card(of: asked, logger: logger), facts: try await facts(of: asked, logger: logger), limit: limit)
    }
}
