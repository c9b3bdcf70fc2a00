import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Keeps `performance_cases` in step with the event log: a consumer with a cursor, advanced in the same transaction
/// as the rows it changed, so a crash never skips or applies an event twice, and a restart catches up from there.
/// Built only from events other modules publish (workflow, public services, field reports), never from their tables.
public struct CaseProjection: Sendable {
    static let consumer = "performance.cases"
    let database: PlatformDatabase
    let batchSize: Int

    /// - Parameter batchSize: events per transaction. Small, because each batch holds SQLite's single writer: at 500 a
    ///   flood of Open311 filings saw p99 rise from ~28 ms to ~50 ms; at 100 it stays at ~28 ms.
    public init(database: PlatformDatabase, batchSize: Int = 100) {
        self.database = database
        // The event log hands out at most 5,000 entries a read.
        self.batchSize = min(max(1, batchSize), 5000)
    }

    /// Applies every event after the cursor; returns how many were applied.
    @discardableResult
    public func catchUp(logger: Logger) async throws -> Int {
        var total = 0
        while true {
            let cursor = try await EventLog.cursor(of: Self.consumer, on: try database.db(logger: logger))
            let events = try await EventLog.read(after: cursor, limit: batchSize, on: try database.db(logger: logger))
            guard let last = events.last else { return total }
            let applied = try await database.write(logger: logger) { db -> Bool in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                try await Self.holdCursor(on: sql)
                // The cursor moved since the batch was read (another runner, or a rebuild that started over): this
                // batch is not the one after it, so it is dropped and read again.
                guard try await EventLog.cursor(of: Self.consumer, on: db) == cursor else { return false }
                try await Self.apply(events, on: sql, logger: logger)
                try await WorkLedger.apply(events, on: sql, logger: logger)
                try await EventLog.advance(Self.consumer, to: last.seq, on: db)
                return true
            }
            if applied { total += events.count }
            if applied, events.count < batchSize { return total }
        }
    }

    /// Forgets the projection and builds it again from the first event; returns how many events it applied.
    @discardableResult
    public func rebuild(logger: Logger) async throws -> Int {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await Self.holdCursor(on: sql)
            try await CaseFacts.deleteAll(on: sql)
            try await WorkProducts.deleteAll(on: sql)
            try await EventLog.advance(Self.consumer, to: 0, on: db)
        }
        return try await catchUp(logger: logger)
    }

    /// On PostgreSQL, writers on several instances run at once: the projection's transactions take turns on an
    /// advisory lock ("perf"), so two never apply a batch from the same cursor. SQLite has one writer already.
    static func holdCursor(on sql: any SQLDatabase) async throws {
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.lockKey))").run()
    }

    static let lockKey: Int64 = 0x7065_7266

    /// What the events carry that the figures use; every field is optional because each type has its own.
    struct Payload: Decodable {
        var process: String?
        var competentUnit: String?
        var unit: String?
        var due: String?
        /// The deadline as the law set it (extensions do not move it): what the national on-time rule measures.
        var legalDue: String?
        var onTime: Bool?
        var finished: Bool?
        var paused: Bool?
        var milestone: String?
        var channel: String?
        var category: String?
        var procedure: String?
        var score: Int?
        var stars: String?
    }

    /// Applies a batch: the cases it touches are read in one query, changed in memory in the log's order, and each
    /// changed case written once. A flood of filings (a case started and its report filed, per POST) then costs the
    /// single writer one insert per case instead of a read and a write per event.
    static func apply(_ events: [LoggedEvent], on sql: any SQLDatabase, logger: Logger) async throws {
        let relevant = events.filter { $0.subject != nil && Self.types.contains($0.type) }
        guard !relevant.isEmpty else { return }
        var cases = try await CaseFacts.find(Set(relevant.compactMap(\.subject)), on: sql)
        let stored = Set(cases.keys)
        var changed: [String] = []
        for event in relevant {
            guard let subject = event.subject, Self.apply(event, to: &cases, logger: logger) else { continue }
            if !changed.contains(subject) { changed.append(subject) }
        }
        for subject in changed {
            guard let fact = cases[subject] else { continue }
            try await CaseFacts.save(fact, isNew: !stored.contains(subject), on: sql)
        }
    }

    /// One event's change to the cases of its batch; false when it changes nothing.
    static func apply(_ event: LoggedEvent, to cases: inout [String: CaseFact], logger: Logger) -> Bool {
        guard let subject = event.subject else { return false }
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(event.payload.utf8))
        } catch {
            skip(event, "its payload does not read: \(error)", logger: logger)
            return false
        }
        if event.type == "workflow.started" {
            guard cases[subject] == nil else { return false }
            guard let process = payload.process, let unit = payload.competentUnit ?? event.unitCode else {
                skip(event, "a case started without its process or unit", logger: logger)
                return false
            }
            let kind = subject.split(separator: ":", maxSplits: 1).first.map(String.init) ?? subject
            let due = (payload.legalDue ?? payload.due).flatMap({ Self.date($0, event: event, logger: logger) })
            cases[subject] = CaseFact(subject: subject, kind: kind, process: process, unitCode: unit, receivedAt: event.occurredAt, dueAt: due,
                                      paused: false, finishedAt: nil, onTime: nil, channel: nil, rating: nil, category: nil, reopened: 0,
                                      lastSeq: event.seq)
            return true
        }
        // Everything else refines a case already known; events about subjects with no case (a report merged into a
        // nearby one) have nothing to change.
        guard var fact = cases[subject] else { return false }
        switch event.type {
        case "workflow.transitioned":
            apply(transition: payload, at: event, to: &fact, logger: logger)
        case "public-services.dossier.filed", "field-report.filed":
            guard let channel = payload.channel else {
                skip(event, "a filing without its channel", logger: logger)
                return false
            }
            fact.channel = channel
            if let category = payload.category { fact.category = category }
            if let procedure = payload.procedure { fact.procedure = procedure }
        case "public-services.dossier.rated", "field-report.rated":
            guard let stars = payload.score ?? payload.stars.flatMap({ Int($0) }), (1...5).contains(stars) else {
                skip(event, "a rating that is not 1 to 5", logger: logger)
                return false
            }
            fact.rating = stars
        default:
            return false
        }
        fact.lastSeq = event.seq
        cases[subject] = fact
        return true
    }

    /// A step of the case: the unit answerable for it, its deadline, whether its clock waits on the applicant, and
    /// whether it has finished (its result given: approved, refused, resolved) or was taken up again.
    static func apply(transition payload: Payload, at event: LoggedEvent, to fact: inout CaseFact, logger: Logger) {
        if let unit = payload.competentUnit { fact.unitCode = unit }
        if let due = (payload.legalDue ?? payload.due).flatMap({ Self.date($0, event: event, logger: logger) }) { fact.dueAt = due }
        if let paused = payload.paused { fact.paused = paused }
        if payload.milestone == "verified", fact.verifiedAt == nil { fact.verifiedAt = event.occurredAt }
        switch payload.finished {
        case true?:
            if fact.finishedAt == nil { fact.finishedAt = event.occurredAt }
            fact.onTime = payload.onTime
        case false?:
            if fact.finishedAt != nil { fact.reopened += 1 }
            fact.finishedAt = nil
            fact.onTime = nil
        case nil:
            break
        }
    }

    /// An entry the projection cannot read is left out of the figures, never guessed at; the log names it.
    static func skip(_ event: LoggedEvent, _ why: String, logger: Logger) {
        logger.error("performance: an event is left out of the figures", metadata: ["seq": "\(event.seq)", "type": "\(event.type)", "why": "\(why)"])
    }

    static let types: Set<String> = ["workflow.started", "workflow.transitioned", "public-services.dossier.filed", "field-report.filed",
                                     "public-services.dossier.rated", "field-report.rated"]
    /// The commits that bring the projection (and its work ledger) news.
    static let topics = types.sorted()

    /// A deadline as the event wrote it (ISO 8601); one that does not read is logged and left out, not guessed.
    static func date(_ text: String, event: LoggedEvent, logger: Logger) -> Date? {
        do {
            return try Date(text, strategy: .iso8601)
        } catch {
            logger.error("performance: an event's deadline cannot be read", metadata: ["seq": "\(event.seq)", "due": "\(text)"])
            return nil
        }
    }
}
