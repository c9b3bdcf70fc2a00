import Foundation
import Logging
import Platform
import SQLKit

/// `PATCH …/attrs`, written in groups (`PatchGroups`): each request gets its own answer, readings and notifications,
/// as if written alone.
extension NGSIBroker {
    /// The attributes the entity has are changed, the others listed in `notUpdated`.
    public func patch(_ id: String, attributes members: [String: JSONValue], linkContext: String?, logger: Logger) async throws -> Outcome {
        let patch = PatchGroups.Patch(id: id, members: members, linkContext: linkContext, receivedAt: clock(), logger: logger)
        return try await patches.submit(patch) { group in await write(group) }
    }

    /// One transaction for the group. If it fails as a whole for something one patch could cause (a stored document
    /// that no longer reads, a constraint), each patch is written again on its own, so one request cannot fail the
    /// others; if the database itself is unreachable or out of time, everyone hears so at once.
    private func write(_ group: [PatchGroups.Patch]) async -> [Result<Outcome, any Error>] {
        let logger = group[0].logger
        do {
            let (answers, learned) = try await database.write(logger: logger) { db in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                return try await apply(group, on: sql, logger: logger)
            }
            series.remember(learned)
            return answers
        } catch where group.count > 1 && (error as? Problem)?.status != .serviceUnavailable && !Problem.isDatabaseUnavailable(error) {
            logger.warning("a group of NGSI-LD patches failed; each is written on its own", metadata: ["patches": "\(group.count)", "error": "\(error)"])
            // At once, not in turn: SQLite's writer takes them into one transaction again, each in its own savepoint.
            return await withTaskGroup(of: (Int, Result<Outcome, any Error>).self) { tasks in
                for (index, patch) in group.enumerated() {
                    tasks.addTask { (index, await write([patch])[0]) }
                }
                var answers = [Result<Outcome, any Error>](repeating: .failure(Problem.internal()), count: group.count)
                for await (index, answer) in tasks { answers[index] = answer }
                return answers
            }
        } catch {
            return group.map { _ in .failure(error) }
        }
    }

    /// Each patch in the order it arrived, over the documents as the patches before it in the group left them.
    private func apply(_ group: [PatchGroups.Patch], on sql: any SQLDatabase, logger: Logger) async throws
        -> ([Result<Outcome, any Error>], [SensorSeries.Key: Int64]) {
        var current = try await EntityRows.existing(Array(Set(group.map(\.id))).sorted(), on: sql, logger: logger)
        var changed = Set<String>()
        var readings: [SensorReading] = []
        var notices: [SubscriptionBook.Notice] = []
        var types: [String: String] = [:]
        var answers: [Result<Outcome, any Error>] = []
        answers.reserveCapacity(group.count)
        let subscriptions = subscriptions.current
        for patch in group {
            let plan: EntityWritePlan
            do { plan = try Self.plan(patch, over: current) } catch {
                answers.append(.failure(error))
                continue
            }
            var written = EntityWritePlan.readings(of: plan.written, at: patch.receivedAt)
            // Outside the `do`: a database error here fails the group (each patch is then written alone).
            let old = try await SummarisedHours.candidates(written, at: patch.receivedAt, on: sql)
            if !old.isEmpty {
                let summarised = try await SummarisedHours.check(old, stored: current, on: sql, logger: logger)
                if let refusal = SummarisedHours.refusal(summarised.refused) {
                    answers.append(.failure(refusal))
                    continue
                }
                written.removeAll { summarised.unchanged.contains(SensorSeries.Instant($0)) }
            }
            for (id, entity) in plan.saved {
                current[id] = entity
                changed.insert(id)
                types[id] = entity.type
            }
            readings += written
            notices += subscriptions.notifications(for: plan.written, at: patch.receivedAt)
            answers.append(.success(Outcome(created: plan.created, updated: plan.updated, errors: plan.errors, notUpdated: plan.notUpdated)))
        }
        let now = group.map(\.receivedAt).max() ?? clock()
        try await EntityRows.save(changed.sorted().compactMap { current[$0] }, at: Int64((now.timeIntervalSince1970 * 1000).rounded()), on: sql)
        return (answers, try await record(readings: readings, types: types, notices: notices, at: now, on: sql))
    }

    /// What one patch does to its entity's document, read by the entity's stored type.
    private static func plan(_ patch: PatchGroups.Patch, over current: [String: NGSIEntity]) throws -> EntityWritePlan {
        guard let type = current[patch.id]?.type else { throw NGSIError(.resourceNotFound, "No entity \(patch.id).") }
        try EntityParser.refusePlatformOwned(id: patch.id, type: type)
        var members = patch.members
        members["id"] = .string(patch.id)
        members["type"] = .string(type)
        let parsed = try EntityParser(now: patch.receivedAt).entity(.object(members), linkContext: patch.linkContext)
        if let (attribute, error) = parsed.refused.first { throw NGSIError(error.kind, "\(error.detail) (attribute \(attribute))") }
        return EntityWritePlan([parsed], operation: .patch, existing: current)
    }
}
