import Foundation
import Logging
import Platform

/// Raises overdue cases one level at a time: the unit's leaders first, then the leaders of the unit above. Each
/// escalation is written with the case's version guard, so several instances sweeping at once escalate a case once.
public struct EscalationSweep: Sendable {
    let database: PlatformDatabase
    let store: WorkflowStore
    let staff: any StaffDirectory
    let notices: (any NoticeBoard)?
    let parentUnits: [String: String]

    public init(database: PlatformDatabase, store: WorkflowStore, staff: any StaffDirectory, notices: (any NoticeBoard)?, profile: CityProfile) {
        self.database = database
        self.store = store
        self.staff = staff
        self.notices = notices
        self.parentUnits = Dictionary(uniqueKeysWithValues: profile.units.compactMap { unit in unit.parent.map { (unit.code, $0) } })
    }

    public struct Escalated: Sendable, Equatable {
        public var subject: String
        public var level: Int
        public var notified: [String]
    }

    /// One pass over the overdue cases; returns what was escalated.
    @discardableResult
    public func run(at moment: Date = Date(), batch: Int = 200, logger: Logger) async throws -> [Escalated] {
        let overdue = try await store.overdue(at: moment, limit: batch, on: try database.db(logger: logger))
        var escalated: [Escalated] = []
        for current in overdue {
            guard let definition = store.library[current.process] else {
                // An overdue case whose process this server does not know can never be escalated: say so every pass.
                logger.warning("overdue case not escalated: its process definition is missing", metadata: [
                    "case": .string(current.id.uuidString), "subject": .string(current.subject), "process": .string(current.process),
                ])
                continue
            }
            guard let next = store.engine.escalate(current, definition: definition, at: moment),
                  let level = definition.escalation?.levels[next.escalationLevel - 1]
            else { continue }
            let unit = level == .unitLeader ? current.unitCode : (parentUnits[current.unitCode] ?? current.unitCode)
            let leaders = try await staff.staff(holding: .unitLeader, in: unit, logger: logger)
            do {
                try await database.write(logger: logger) { [store, notices] db in
                    try await store.recordEscalation(next, replacing: current.version, on: db)
                    for leader in leaders {
                        try await notices?.post(
                            NoticeDraft(recipient: leader.accountID, template: "workflow.escalated",
                                        data: ["subject": current.subject, "state": current.state, "unit": current.unitCode,
                                               "level": String(next.escalationLevel)]),
                            on: db)
                    }
                }
                escalated.append(Escalated(subject: current.subject, level: next.escalationLevel, notified: leaders.map(\.accountID)))
            } catch is TransitionRefusal {
                continue  // someone acted on the case meanwhile; the next pass sees its new position
            }
        }
        return escalated
    }
}
