import Foundation
import Platform

/// How a city turns staff work into Decree 335/2025 scores, from its profile's `performance.json`: the standard
/// units a working day is expected to produce (the quantity target), and weights that make a building permit count
/// for more than a birth certificate. A step's own units come from the process (`work` on each action).
public struct OfficerRules: Sendable, Decodable, Equatable {
    /// Standard units an officer is expected to produce per working day of the period.
    public var dailyTarget: Double
    /// Weights by case kind (`dossier`, `field-report`), then procedure code or report category; 1 where not named.
    public var weights: [String: [String: Double]]

    public init(dailyTarget: Double = 2, weights: [String: [String: Double]] = [:]) {
        self.dailyTarget = dailyTarget
        self.weights = weights
    }

    struct File: Decodable {
        var officerScoring: OfficerRules?
    }

    /// The city's rules, or the defaults when its profile has none; values outside their bounds stop the start.
    public static func load(from profile: CityProfile) throws -> OfficerRules {
        let rules = try profile.decodeFile("performance.json", as: File.self)?.officerScoring ?? OfficerRules()
        var problems: [ConfigProblem] = []
        if !(rules.dailyTarget > 0 && rules.dailyTarget <= 100) {
            problems.append(ConfigProblem(key: "performance.json: officerScoring.dailyTarget", message: "must be more than 0 and at most 100"))
        }
        for (kind, byCode) in rules.weights {
            for (code, weight) in byCode where !(weight > 0 && weight <= 10) {
                problems.append(ConfigProblem(key: "performance.json: officerScoring.weights.\(kind).\(code)", message: "must be more than 0 and at most 10"))
            }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return rules
    }

    func weight(kind: String, code: String?) -> Double {
        code.flatMap { weights[kind]?[$0] } ?? 1
    }
}
