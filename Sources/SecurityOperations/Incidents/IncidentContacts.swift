import FluentKit
import Foundation
import Logging
import Platform
import Synchronization

/// Who hears that an incident opened on a unit's machines: the unit's leaders, in their inbox (and email), in the
/// same transaction as the incident, so a notice is never sent for an incident that was not stored (posting fails
/// only when the database does, and then the batch is not stored either). The SOC's own units (`platform`,
/// `unassigned`) have no leaders to tell: the analysts' queue is their notice.
///
/// Senders choose how many incidents open (new host names), so a unit's leaders hear at most once per quarter of an
/// hour; the unit's page lists every incident.
struct IncidentContacts: Sendable {
    static let quietInterval: TimeInterval = 15 * 60

    /// Where the staff directory and the notice board are found once every module is built; nil: no notices.
    let capabilities: Capabilities?
    let throttle = Throttle()

    /// When each unit was last told (this instance), recorded only once the batch that told them is stored.
    final class Throttle: Sendable {
        let told = Mutex<[String: Date]>([:])

        func allows(_ unit: String, at now: Date) -> Bool {
            told.withLock { told in told[unit].map { abs(now.timeIntervalSince($0)) >= IncidentContacts.quietInterval } ?? true }
        }

        func record(_ units: Set<String>, at now: Date) {
            told.withLock { told in
                for unit in units { told[unit] = now }
                // Units are the city's (and `unassigned`): a few hundred at most; drop entries long past their quiet time.
                if told.count > 5_000 { told = told.filter { abs(now.timeIntervalSince($0.value)) < IncidentContacts.quietInterval } }
            }
        }
    }

    /// The leaders' account ids of each unit among `units` that may be told now, asked before the write.
    func leaders(of units: Set<String>, at now: Date, logger: Logger) async throws -> [String: [String]] {
        guard let staff = capabilities?.first((any StaffDirectory).self),
              capabilities?.first((any NoticeBoard).self) != nil else { return [:] }
        var found: [String: [String]] = [:]
        for unit in units.sorted() where !["platform", "unassigned"].contains(unit) && throttle.allows(unit, at: now) {
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
                                             data: ["title": String(alert.title.prefix(200)), "host": Self.hostForNotice(alert.host),
                                                    "level": alert.level.rawValue, "incident": incident],
                                             link: "/soc/unit"), on: db)
        }
    }

    /// A host name as an email may show it: letters, digits and `.-_:` only (a sender's name could carry a link or
    /// text that turns the sentence around); anything else is named by its length.
    static func hostForNotice(_ host: String) -> String {
        let allowed = host.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || ".-_:".utf8.contains(byte)
        }
        return allowed && (1...255).contains(host.utf8.count) ? host : "(\(host.utf8.count) bytes)"
    }
}
