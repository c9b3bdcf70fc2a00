import Foundation
import Platform

/// An indicator of Decision 766/QĐ-TTg as the scorecard applies it: contributed by a module through its manifest
/// (`IndicatorDeclaration.scoring`), never defined here, so a module switched off takes its figures with it.
public struct Indicator766: Sendable, Equatable, Encodable {
    public typealias Formula = IndicatorScoring.Rule

    public var code: String
    public var group: Int
    public var name: [String: String]
    /// The rule in words, next to the number on every page.
    public var explanation: [String: String]
    /// Which cases count: `dossier` or `field-report`.
    public var kind: String?
    public var formula: Formula
    /// Full points at or above this rate; without one, points are the rate × the maximum.
    public var threshold: Double?
    public var maxPoints: Double

    init(code: String, group: Int, name: [String: String], explanation: [String: String], kind: String?, formula: Formula, threshold: Double?,
         maxPoints: Double) {
        self.code = code
        self.group = group
        self.name = name
        self.explanation = explanation
        self.kind = kind
        self.formula = formula
        self.threshold = threshold
        self.maxPoints = maxPoints
    }

    /// The scorecard's view of a declaration; nil for figures outside the Decision 766 set.
    public init?(_ declaration: IndicatorDeclaration) {
        guard let scoring = declaration.scoring else { return nil }
        code = declaration.code
        group = scoring.group
        name = declaration.name
        explanation = scoring.explanation
        kind = scoring.caseKind
        formula = scoring.rule
        threshold = declaration.target
        maxPoints = scoring.maxPoints
    }

    /// The set from every module's declarations, in the order of the decision (group, then code).
    public static func set(from declarations: [IndicatorDeclaration]) -> [Indicator766] {
        declarations.compactMap(Indicator766.init).sorted { ($0.group, $0.code) < ($1.group, $1.code) }
    }

    /// The official rule: full points at or above the threshold, else rate ÷ threshold × points.
    public func points(rate: Double) -> Double {
        let rate = min(max(rate, 0), 1)
        guard let threshold, threshold > 0 else { return rate * maxPoints }
        return rate >= threshold ? maxPoints : rate / threshold * maxPoints
    }
}
