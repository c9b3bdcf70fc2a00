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
    /// The batch's stored products are read in one query: on SQLite every batch holds the single writer, so a read
    /// per step would hold it that much longer.
    static func apply(_ events: [LoggedEvent], on sql: any SQLDatabase, logger: Logger) async throws {
        var steps: [(event: LoggedEvent, subject: String, payload: Payload)] = []
        for event in events where event.type == "workflow.transitioned" {
            guard let subject = event.subject else { continue }
            do {
                let payload = try JSONDecoder().decode(Payload.self, from: Data(event.payload.utf8))
                if payload.work != nil || !(payload.faultOf ?? []).isEmpty { steps.append((event, subject, payload)) }
            } catch {
                CaseProjection.skip(event, "its work does not read: \(error)", logger: logger)
            }
        }
        guard !steps.isEmpty else { return }
        // Every product of the batch's cases in the log's order: those stored, then those this batch makes.
        var known = try await WorkProducts.on(Set(steps.map(\.subject)), on: sql)
        let storedCount = known.count
        var changed: Set<Int> = []
        for (event, subject, payload) in steps {
            if let work = payload.work, let product = product(of: event, subject: subject, payload: payload, work: work, logger: logger) {
                if let index = known.firstIndex(where: { $0.isTake(product) }) {
                    known[index].late = known[index].late || product.late
                    changed.insert(index)
                } else {
                    known.append(product)
                }
            }
            guard let actions = payload.faultOf, !actions.isEmpty else { continue }
            // A fault finds the latest step taken by one of `actions` before it. Otherwise the step found at fault was
            // nobody's work (the platform's own, or taken before the process declared work): no product to charge.
            if let index = known.lastIndex(where: { $0.subject == subject && actions.contains($0.action) && $0.seq < event.seq }) {
                known[index].faults.append(event.seq)
                changed.insert(index)
            }
        }
        for product in known[storedCount...] { try await WorkProducts.insert(product, on: sql) }
        for index in changed.sorted() where index < storedCount { try await WorkProducts.update(known[index], on: sql) }
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
