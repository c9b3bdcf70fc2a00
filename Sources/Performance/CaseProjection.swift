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

    public init(database: PlatformDatabase, batchSize: Int = 500) {
        self.database = database
        self.batchSize = max(1, batchSize)
    }

    /// Applies every event after the cursor; returns how many were read.
    @discardableResult
    public func catchUp(logger: Logger) async throws -> Int {
        var total = 0
        while true {
            let cursor = try await EventLog.cursor(of: Self.consumer, on: try database.db(logger: logger))
            let events = try await EventLog.read(after: cursor, limit: batchSize, on: try database.db(logger: logger))
            guard let last = events.last else { return total }
            try await database.write(logger: logger) { db in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                // Read again inside the transaction: whatever another runner applied meanwhile is not applied twice.
                let applied = try await EventLog.cursor(of: Self.consumer, on: db)
                for event in events where event.seq > applied { try await Self.apply(event, on: sql, logger: logger) }
                try await EventLog.advance(Self.consumer, to: max(applied, last.seq), on: db)
            }
            total += events.count
            if events.count < batchSize { return total }
        }
    }

    /// Forgets the projection and builds it again from the first event.
    public func rebuild(logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await CaseFacts.deleteAll(on: sql)
            try await EventLog.advance(Self.consumer, to: 0, on: db)
        }
        try await catchUp(logger: logger)
    }

    /// What the events carry that the figures use; every field is optional because each type has its own.
    struct Payload: Decodable {
        var process: String?
        var competentUnit: String?
        var unit: String?
        var due: String?
        var onTime: Bool?
        var finished: Bool?
        var channel: String?
        var score: Int?
        var stars: String?
    }

    static func apply(_ event: LoggedEvent, on sql: any SQLDatabase, logger: Logger) async throws {
        guard let subject = event.subject, Self.types.contains(event.type) else { return }
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(event.payload.utf8))
        } catch {
            // A payload the projection cannot read is skipped, never guessed at; the log line names the entry.
            logger.error("performance: an event's payload cannot be read; the event is left out of the figures",
                         metadata: ["seq": "\(event.seq)", "type": "\(event.type)", "error": "\(error)"])
            return
        }
        if event.type == "workflow.started" {
            guard try await CaseFacts.find(subject, on: sql) == nil, let process = payload.process else { return }
            let kind = subject.split(separator: ":", maxSplits: 1).first.map(String.init) ?? subject
            let due = payload.due.flatMap({ Self.date($0, event: event, logger: logger) })
            let fact = CaseFact(subject: subject, kind: kind, process: process, unitCode: payload.competentUnit ?? event.unitCode ?? "",
                                receivedAt: event.occurredAt, dueAt: due, finishedAt: nil, onTime: nil, channel: nil, rating: nil, lastSeq: event.seq)
            return try await CaseFacts.save(fact, isNew: true, on: sql)
        }
        // Everything else refines a case already known; events about subjects with no case (a report merged into a
        // nearby one) have nothing to change.
        guard var fact = try await CaseFacts.find(subject, on: sql) else { return }
        switch event.type {
        case "workflow.transitioned":
            if let unit = payload.unit { fact.unitCode = unit }
            if let due = payload.due.flatMap({ Self.date($0, event: event, logger: logger) }) { fact.dueAt = due }
            if payload.finished == true {
                fact.finishedAt = event.occurredAt
                fact.onTime = payload.onTime
            } else if fact.finishedAt != nil {
                // Taken up again (a reopened report): it is open until it finishes anew.
                fact.finishedAt = nil
                fact.onTime = nil
            }
        case "public-services.dossier.filed", "field-report.filed":
            fact.channel = payload.channel
        case "public-services.dossier.rated":
            fact.rating = payload.score
        case "field-report.rated":
            fact.rating = payload.stars.flatMap { Int($0) }
        default:
            return
        }
        fact.lastSeq = event.seq
        try await CaseFacts.save(fact, isNew: false, on: sql)
    }

    static let types: Set<String> = ["workflow.started", "workflow.transitioned", "public-services.dossier.filed", "field-report.filed",
                                     "public-services.dossier.rated", "field-report.rated"]

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
