import Foundation
import Logging
import Platform
import SQLKit

/// The staff-work half of the projection: every step the process gives standard units becomes a `WorkProduct` of
/// whoever took it, and a step that finds fault with an earlier one (`faultOf`) is charged to that one.
enum WorkLedger {
    /// What a `workflow.transitioned` entry says about work; the workflow module writes it from the process's own
    /// declarations (`work`, `faultOf`), so the figures need nothing but the log.
    struct Payload: Decodable {
        var action: String?
        var work: Double?
        var stepLate: Bool?
        var faultOf: [String]?
    }

    /// Applies a batch. A step taken again on a case by the same person (a draft resubmitted after rework, a report
    /// resolved again after a reopening, a fee asked for twice) is the same product: it earns no more units, and is
    /// late if any take was. Otherwise a loop of two cheap actions could fill anyone's quantity.
    static func apply(_ events: [LoggedEvent], on sql: any SQLDatabase, logger: Logger) async throws {
        var fresh: [WorkProduct] = []
        // Products stored by earlier batches that this batch changes (faults found, a late take), by seq.
        var changed: [Int: WorkProduct] = [:]
        for event in events where event.type == "workflow.transitioned" {
            guard let subject = event.subject else { continue }
            let payload: Payload
            do {
                payload = try JSONDecoder().decode(Payload.self, from: Data(event.payload.utf8))
            } catch {
                CaseProjection.skip(event, "its work does not read: \(error)", logger: logger)
                continue
            }
            if let work = payload.work, let product = product(of: event, subject: subject, payload: payload, work: work, logger: logger) {
                if let index = fresh.firstIndex(where: { $0.isTake(product) }) {
                    fresh[index].late = fresh[index].late || product.late
                } else if var earlier = try await stored(take: product, changed: changed, on: sql) {
                    earlier.late = earlier.late || product.late
                    changed[earlier.seq] = earlier
                } else {
                    fresh.append(product)
                }
            }
            guard let actions = payload.faultOf, !actions.isEmpty else { continue }
            // A fault finds the latest matching step: one of this batch if any, else the latest stored before it.
            if let index = fresh.lastIndex(where: { $0.subject == subject && actions.contains($0.action) }) {
                fresh[index].faults.append(event.seq)
            } else if let stored = try await WorkProducts.last(on: subject, by: actions, before: event.seq, on: sql) {
                var target = changed[stored.seq] ?? stored
                target.faults.append(event.seq)
                changed[stored.seq] = target
            }
            // Otherwise the step found at fault was nobody's work (the platform's own, or taken before the process
            // declared work): there is no product to charge.
        }
        for product in fresh { try await WorkProducts.insert(product, on: sql) }
        for product in changed.values.sorted(by: { $0.seq < $1.seq }) { try await WorkProducts.update(product, on: sql) }
    }

    /// The stored product `take` is a repeat of, as this batch has changed it so far.
    static func stored(take: WorkProduct, changed: [Int: WorkProduct], on sql: any SQLDatabase) async throws -> WorkProduct? {
        if let known = changed.values.first(where: { $0.isTake(take) }) { return known }
        return try await WorkProducts.first(on: take.subject, action: take.action, by: take.officerID, on: sql)
    }

    /// The product a step earns, or nil (logged) when the entry cannot say whose or whose unit's it is.
    static func product(of event: LoggedEvent, subject: String, payload: Payload, work: Double, logger: Logger) -> WorkProduct? {
        guard work > 0, work <= 10 else {
            CaseProjection.skip(event, "work of \(work) units, outside 0–10", logger: logger)
            return nil
        }
        // A step the platform took itself (an imported history, an automatic close) is nobody's work.
        guard let officer = event.actorID else { return nil }
        guard let unit = event.unitCode, let action = payload.action else {
            CaseProjection.skip(event, "a step of work without its unit or action", logger: logger)
            return nil
        }
        return WorkProduct(seq: event.seq, subject: subject, unitCode: unit, officerID: officer, officerName: event.actorName ?? officer,
                           action: action, at: event.occurredAt, work: work, late: payload.stepLate ?? false, faults: [])
    }
}
