import Foundation
import Platform

/// The rules in force and what a match becomes: an alert naming the rule (its author too, as the rules' licence
/// asks), raised on the unit and host of the event.
public struct SecurityDetection: Sendable {
    public let rules: SigmaRuleSet

    public init(rules: SigmaRuleSet) { self.rules = rules }

    /// The shipped rules plus a city's own folders (`HUES_SOC_RULES`); a rule that does not load stops the start.
    public static func load(extraFolders: [URL]) throws -> SecurityDetection {
        guard let bundled = BundledRules.folder else {
            throw SecurityStartError(description: "the SOC's shipped rules are missing from the installation")
        }
        return SecurityDetection(rules: SigmaRuleSet(try SigmaRuleLoader.loadFolders([bundled] + extraFolders)))
    }

    func alerts(for record: SecurityEventRecord) -> [RaisedAlert] {
        guard !record.fields.isEmpty else { return [] }
        return rules.matches(record.fields).map { index in
            let rule = rules.rules[index]
            return RaisedAlert(ruleID: rule.id, title: rule.title, level: rule.level, eventID: record.id, unit: record.unit,
                               host: record.host ?? "-", atMs: record.receivedAtMs)
        }
    }
}

/// A rule's match on one event, before it is grouped into an incident.
struct RaisedAlert: Sendable {
    let ruleID: String
    let title: String
    let level: SigmaRule.Level
    let eventID: String
    let unit: String
    let host: String
    let atMs: Int64
}

struct SecurityStartError: Error, CustomStringConvertible {
    let description: String
}
