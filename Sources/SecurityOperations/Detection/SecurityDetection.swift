import Foundation
import Platform

/// The rules in force and what a match becomes: an alert naming the rule (its author too, as the rules' licence
/// asks), raised on the unit and host of the event.
public struct SecurityDetection: Sendable {
    public let rules: SigmaRuleSet
    /// The correlations' state, kept in this instance's memory (a restart starts the counts again).
    let correlator: SigmaCorrelator

    public init(rules: SigmaRuleSet) {
        self.rules = rules
        correlator = SigmaCorrelator(ruleSet: rules)
    }

    /// The shipped rules plus a city's own folders (`HUES_SOC_RULES`); a rule that does not load stops the start.
    public static func load(extraFolders: [URL]) throws -> SecurityDetection {
        guard let bundled = BundledRules.folder else {
            throw SecurityStartError(description: "the SOC's shipped rules are missing from the installation")
        }
        return SecurityDetection(rules: try SigmaRuleSet(SigmaRuleLoader.loadAll([bundled] + extraFolders)))
    }

    /// The rules' matches on the event (but those only counted by a correlation) and the correlations it completes.
    func alerts(for record: SecurityEventRecord) -> [RaisedAlert] {
        guard !record.fields.isEmpty else { return [] }
        let event = rules.prepare(record.fields)
        let matched = rules.matches(event)
        var alerts = matched.filter { !rules.quiet.contains($0) }.map { index in
            let rule = rules.rules[index]
            return RaisedAlert(ruleID: rule.id, title: rule.title, level: rule.level, eventID: record.id, unit: record.unit,
                               host: record.host ?? "-", atMs: record.receivedAtMs)
        }
        // An event dated ahead counts as arriving now: a sender's clock a day fast must not make every group look
        // expired (nor hold its own group open into tomorrow).
        for firing in correlator.observe(event, matched: matched, atMs: min(record.occurredAtMs, record.receivedAtMs), scope: record.unit) {
            let correlation = rules.correlations[firing.correlation]
            // Grouped by host when the correlation is; otherwise the group (an address, an account) is what it is about.
            let host = firing.group["host.name"] ?? firing.group.sorted { $0.key < $1.key }.map(\.value).joined(separator: " ")
            alerts.append(RaisedAlert(ruleID: correlation.id, title: correlation.title, level: correlation.level, eventID: record.id,
                                      unit: record.unit, host: SecurityEventRecord.bounded(host) ?? "-", atMs: record.receivedAtMs))
        }
        return alerts
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
