import Foundation

/// The Decision 766 scorecard of one unit (or the whole city) for one period, as of a moment: each indicator's
/// rate, points and the cases behind it.
public struct Scorecard: Sendable, Encodable, Equatable {
    public struct Line: Sendable, Encodable, Equatable {
        public var indicator: Indicator766
        /// nil for indicators kept outside the platform: not zero, unknown here.
        public var numerator: Int?
        public var denominator: Int?
        public var rate: Double?
        public var points: Double?
        /// Where the cases counted come from.
        public var cases: String?
        /// For an indicator kept outside the platform: where the figures an admin entered come from.
        public var enteredFrom: [String]? = nil
    }

    public var unit: String?
    /// `commune` or `department` when the city was narrowed to a level of its units.
    var level: UnitLevel?
    public var period: ReportingPeriod
    public var asOf: Date
    public var lines: [Line]
    /// Points earned on the indicators the platform computes, and the most those could earn.
    public var points: Double
    public var pointsPossible: Double
    /// What the indicators kept outside the platform are worth: the rest of the 100.
    public var pointsOutside: Double

    /// Scores the cases received in the period, in the unit or city, as of `asOf`, from their tallies (`CaseTally`).
    /// `outside`: the figures entered for the indicators kept outside the platform, added up over the unit or city.
    init(unit: String?, period: ReportingPeriod, asOf: Date, tallies: [CaseTally], indicators: [Indicator766], outside: [String: OutsideFigure.Sum] = [:]) {
        self.unit = unit
        self.period = period
        self.asOf = asOf
        let byKind = CaseTally.byKind(tallies)
        lines = indicators.map { indicator in
            if indicator.formula == .outside, let sum = outside[indicator.code], sum.denominator > 0 {
                let rate = Double(sum.numerator) / Double(sum.denominator)
                return Line(indicator: indicator, numerator: sum.numerator, denominator: sum.denominator, rate: rate, points: indicator.points(rate: rate),
                            cases: nil, enteredFrom: sum.sources)
            }
            guard indicator.formula != .outside, let kind = indicator.kind else { return Line(indicator: indicator) }
            let tally = byKind[kind] ?? CaseTally(unitCode: unit ?? "", kind: kind)
            let counted = Self.numerator(tally, formula: indicator.formula)
            // No case received: no rate and no points (the unit is not scored on it), rather than a zero.
            let rate = tally.received == 0 ? nil : Double(counted) / Double(tally.received)
            let link = "/api/v1/performance/cases?indicator=\(indicator.code)&period=\(period.label)" + (unit.map { "&unit=\($0)" } ?? "")
            return Line(indicator: indicator, numerator: counted, denominator: tally.received, rate: rate,
                        points: rate.map(indicator.points), cases: link)
        }
        let scored = lines.filter { $0.points != nil }
        points = (scored.reduce(0) { $0 + ($1.points ?? 0) } * 100).rounded() / 100
        pointsPossible = scored.reduce(0) { $0 + $1.indicator.maxPoints }
        pointsOutside = lines.filter { $0.indicator.formula == .outside && $0.points == nil }.reduce(0) { $0 + $1.indicator.maxPoints }
    }

    /// Scores cases already in memory, added up the same way.
    init(unit: String?, period: ReportingPeriod, asOf: Date, facts: [CaseFact], indicators: [Indicator766], outside: [String: OutsideFigure.Sum] = [:]) {
        self.init(unit: unit, period: period, asOf: asOf, tallies: CaseTally.of(facts, asOf: asOf), indicators: indicators, outside: outside)
    }

    /// The formula's numerator over the cases received. The satisfaction formulas subtract the overdue and the
    /// disliked separately, as the decision writes them, so a case both late and rated one star counts against twice.
    public static func numerator(_ tally: CaseTally, formula: Indicator766.Formula) -> Int {
        switch formula {
        case .onTime: return tally.received - tally.overdue
        case .filedOnline: return tally.online
        case .satisfaction: return max(0, tally.received - tally.overdue - tally.disliked)
        case .outside: return 0
        }
    }

    /// Finished late, or still open past its deadline at `asOf`. A case with no deadline, or waiting on the applicant
    /// (its clock stopped), is not overdue.
    public static func isOverdue(_ fact: CaseFact, asOf: Date) -> Bool {
        // A case finished after `asOf` is judged as it stood then: open, with its deadline.
        if let finished = fact.finishedAt, finished <= asOf { return fact.onTime == false }
        guard let due = fact.dueAt, fact.finishedAt != nil || !fact.paused else { return false }
        return due < asOf
    }

    /// Rated one or two stars out of five (an unrated case is not held against the unit).
    public static func isDisliked(_ fact: CaseFact) -> Bool {
        fact.rating.map { $0 <= 2 } ?? false
    }
}

extension Scorecard.Line {
    init(indicator: Indicator766) {
        self.init(indicator: indicator, numerator: nil, denominator: nil, rate: nil, points: nil, cases: nil)
    }
}
