import FluentKit
import Foundation
import Logging
import Platform

/// Who hears that an incident opened on a unit's machines: the unit's leaders, in their inbox (and email), in the
/// same transaction as the incident, so a notice is never sent for an incident that was not stored. The SOC's own
/// units (`platform`, `unassigned`) have no leaders to tell: the analysts' queue is their notice.
struct IncidentContacts: Sendable {
    /// Where the staff directory and the notice board are found once every module is built; nil: no notices.
    let capabilities: Capabilities?

    /// The leaders' account ids of each unit among `units`, asked before the write (one question per unit).
    func leaders(of units: Set<String>, logger: Logger) async throws -> [String: [String]] {
        guard let staff = capabilities?.first((any StaffDirectory).self),
              capabilities?.first((any NoticeBoard).self) != nil else { return [:] }
        var found: [String: [String]] = [:]
        for unit in units.sorted() where !["platform", "unassigned"].contains(unit) {
            let leaders = try await staff.staff(holding: .unitLeader, in: unit, logger: logger).map(\.accountID)
            if !leaders.isEmpty { found[unit] = leaders }
        }
        return found
    }

    /// Posts the notice of a newly opened incident to each of `leaders`.
    func tell(_ leaders: [String], incident: String, alert: RaisedAlert, on db: any Database) async throws {
        guard !leaders.isEmpty, let board = capabilities?.first((any NoticeBoard).self) else { return }
        for leader in leaders {
            try await board.post(NoticeDraft(recipient: leader, template: "security.incident.opened",
                                             data: ["title": String(alert.title.prefix(200)), "host": String(alert.host.prefix(255)),
                                                    "level": alert.level.rawValue, "incident": incident],
                                             link: "/soc/unit"), on: db)
        }
    }
}
