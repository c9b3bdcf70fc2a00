import Crypto
import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Keeps the live figures in step with the event log: a consumer with a cursor advanced in the same transaction as
/// the rows it changed (a crash never skips or counts an event twice; a restart catches up from there), reading
/// each event through the figures its module declared. Like the performance module's cases, built only from what
/// modules publish in the log, never from their tables.
public struct LiveFigureProjection: Sendable {
    static let consumer = "operations.live-figures"
    /// Events per transaction: each batch holds SQLite's single writer while it runs.
    static let batchSize = 200
    let database: PlatformDatabase
    let book: LiveFigureBook
    /// Keys the digests of daily items (one key a day, derived from the master key).
    let secrets: SecretBox

    /// Applies every event after the cursor; returns how many were read.
    @discardableResult
    public func catchUp(logger: Logger) async throws -> Int {
        var total = 0
        while true {
            let cursor = try await EventLog.cursor(of: Self.consumer, on: try database.db(logger: logger))
            let events = try await EventLog.read(after: cursor, limit: Self.batchSize, on: try database.db(logger: logger))
            guard let last = events.last else { return total }
            let changes = LiveTallyBatch(book: book, events: events, secrets: secrets, logger: logger)
            let applied = try await database.write(logger: logger) { db -> Bool in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                if sql.dialect.name == "postgresql" { try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.lockKey))").run() }
                // Another runner moved the cursor since the batch was read: this batch is not the one after it.
                guard try await EventLog.cursor(of: Self.consumer, on: db) == cursor else { return false }
                try await changes.write(on: sql)
                try await EventLog.advance(Self.consumer, to: last.seq, on: db)
                return true
            }
            if applied { total += events.count }
            if applied, events.count < Self.batchSize { return total }
        }
    }

    /// How many logged events the figures have not read yet (a screen says so rather than pass old figures as current).
    public func lag(logger: Logger) async throws -> Int {
        let db = try database.db(logger: logger)
        return max(0, try await EventLog.latestSeq(on: db) - EventLog.cursor(of: Self.consumer, on: db))
    }

    /// Forgets the figures and reads the whole log again (after a module changed how it reads its events).
    @discardableResult
    public func rebuild(logger: Logger) async throws -> Int {
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            // The same lock as a batch's: a round running on another instance never moves the cursor back over this.
            if sql.dialect.name == "postgresql" { try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.lockKey))").run() }
            for table in ["ioc_live_tallies", "ioc_live_items"] { try await sql.raw("DELETE FROM \(ident: table)").run() }
            try await EventLog.advance(Self.consumer, to: 0, on: db)
        }
        return try await catchUp(logger: logger)
    }

    /// Forgets the distinct things of daily figures (accounts seen) once their day and the next have begun, the
    /// tallies of days more than 400 days back (the series keeps the city's values), and monthly figures' things
    /// from before last month.
    func sweep(at now: Date, logger: Logger) async throws {
        let daily = book.figures.filter { $0.period == .day }
        let monthly = book.figures.filter { $0.period == .month }
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            for figure in monthly {
                let lastMonth = book.period(of: figure, at: now.addingTimeInterval(-32 * 86_400))
                try await sql.raw("DELETE FROM ioc_live_items WHERE figure = \(bind: figure.code) AND period < \(bind: lastMonth)").run()
            }
            for figure in daily {
                let yesterday = book.period(of: figure, at: now.addingTimeInterval(-86_400))
                let longAgo = book.period(of: figure, at: now.addingTimeInterval(-400 * 86_400))
                try await sql.raw("DELETE FROM ioc_live_items WHERE figure = \(bind: figure.code) AND period < \(bind: yesterday)").run()
                try await sql.raw("DELETE FROM ioc_live_tallies WHERE figure = \(bind: figure.code) AND period < \(bind: longAgo)").run()
            }
        }
    }

    static let lockKey: Int64 = 0x6C69_7665
}

/// One batch of events read into the changes they make: tallies summed, and each thing's final state, so a batch
/// writes one row per tally and per thing however many events touched it.
struct LiveTallyBatch {
    struct TallyKey: Hashable { let figure, period, unit, category: String }
    struct ItemKey: Hashable { let figure, period, item: String }
    /// `isOpen` nil: the batch only described the thing, and its state stays as stored (closed if it is new).
    struct ItemState { var isOpen: Bool?; var unit: String?; var category: String?; var due: Date? }

    private(set) var tallies: [TallyKey: (part: Int64, whole: Int64)] = [:]
    private(set) var items: [ItemKey: ItemState] = [:]
    var isEmpty: Bool { tallies.isEmpty && items.isEmpty }

    private let secrets: SecretBox
    private var dailyKeys: [String: SymmetricKey] = [:]

    init(book: LiveFigureBook, events: [LoggedEvent], secrets: SecretBox, logger: Logger) {
        self.secrets = secrets
        for logged in events {
            guard let figures = book.byType[logged.type], let event = Self.read(logged, logger: logger) else { continue }
            for figure in figures {
                let period = book.period(of: figure, at: logged.occurredAt)
                for change in figure.interpret(event) { apply(change, figure: figure.code, period: period, daily: figure.period == .day) }
            }
        }
    }

    /// - Parameter daily: the things of a daily figure (the accounts seen today) are kept as HMACs under a key of
    ///   that day derived from the master key: the table holds no identifier, and without the master key neither
    ///   can one be tried against it nor one thing's two days be linked.
    mutating func apply(_ change: LiveChange, figure: String, period: String, daily: Bool = false) {
        func itemKey(_ item: String) -> ItemKey {
            guard daily else { return ItemKey(figure: figure, period: period, item: Self.bounded(item, length: 200) ?? "") }
            return ItemKey(figure: figure, period: period, item: digest(item, figure: figure, period: period))
        }
        switch change {
        case .add(let part, let whole, let unit, let category):
            let key = TallyKey(figure: figure, period: period, unit: Self.bounded(unit) ?? "", category: Self.bounded(category) ?? "")
            let sum = tallies[key, default: (0, 0)]
            // Saturating: a module's odd event never traps the projection (and with it every figure).
            tallies[key] = (LiveFigureValues.bounded(sum.part + part), LiveFigureValues.bounded(sum.whole + whole))
        case .open(let item, let unit, let category, let due):
            let key = itemKey(item)
            var state = items[key] ?? ItemState(isOpen: true)
            state.isOpen = true
            state.unit = Self.bounded(unit) ?? state.unit
            state.category = Self.bounded(category) ?? state.category
            state.due = due ?? state.due
            items[key] = state
        case .close(let item):
            let key = itemKey(item)
            var state = items[key] ?? ItemState(isOpen: false)
            state.isOpen = false
            items[key] = state
        case .describe(let item, let unit, let category):
            let key = itemKey(item)
            var state = items[key] ?? ItemState(isOpen: nil)
            state.unit = Self.bounded(unit) ?? state.unit
            state.category = Self.bounded(category) ?? state.category
            items[key] = state
        }
    }

    private mutating func digest(_ item: String, figure: String, period: String) -> String {
        let data = Data("\(figure)|\(item)".utf8)
        let key = dailyKeys[period] ?? secrets.derivedKey(purpose: "operations.live-figures.items.\(period)")
        dailyKeys[period] = key
        return HMAC<SHA256>.authenticationCode(for: data, using: key).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    struct NotAnObject: Error, CustomStringConvertible {
        var description: String { "the payload is not a JSON object" }
    }

    /// At most 120 characters and no U+0000 (PostgreSQL refuses it in text): an old or odd event must never stop the
    /// projection, and with it every figure.
    static func bounded(_ text: String?, length: Int = 120) -> String? {
        text.map { String($0.unicodeScalars.filter { $0 != "\u{0}" }.prefix(length).map(Character.init)) }
    }

    /// The event's payload as an object; an entry that does not read is left out of the figures and logged.
    static func read(_ logged: LoggedEvent, logger: Logger) -> LiveEvent? {
        let payload: [String: JSONValue]
        do {
            guard let object = try JSONParser.parse(Array(logged.payload.utf8), maximumDepth: 16).object else { throw NotAnObject() }
            payload = object
        } catch {
            logger.error("operations: an event is left out of the live figures", metadata: ["seq": "\(logged.seq)", "type": "\(logged.type)", "why": "\(error)"])
            return nil
        }
        return LiveEvent(type: logged.type, subject: logged.subject, unit: logged.unitCode, actor: logged.actorID, occurredAt: logged.occurredAt, payload: payload)
    }

    func write(on sql: any SQLDatabase) async throws {
        // Stored tallies stay within ±cap as well, so adding one batch's never overflows in the database either.
        let (low, high) = sql.dialect.name == "postgresql" ? ("GREATEST", "LEAST") : ("MAX", "MIN")
        let cap = LiveFigureValues.cap
        for (key, sum) in tallies {
            try await sql.raw("""
                INSERT INTO ioc_live_tallies (figure, period, unit_code, category, part, whole) VALUES \
                (\(bind: key.figure), \(bind: key.period), \(bind: key.unit), \(bind: key.category), \(bind: sum.part), \(bind: sum.whole)) \
                ON CONFLICT (figure, period, unit_code, category) DO UPDATE SET \
                part = \(unsafeRaw: low)(-\(literal: cap), \(unsafeRaw: high)(\(literal: cap), ioc_live_tallies.part + excluded.part)), \
                whole = \(unsafeRaw: low)(-\(literal: cap), \(unsafeRaw: high)(\(literal: cap), ioc_live_tallies.whole + excluded.whole))
                """).run()
        }
        for (key, state) in items {
            let due = state.due.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
            try await sql.raw("""
                INSERT INTO ioc_live_items (figure, period, item, unit_code, category, due_at_ms, is_open) VALUES \
                (\(bind: key.figure), \(bind: key.period), \(bind: key.item), \(bind: state.unit), \(bind: state.category), \(bind: due), \
                \(bind: state.isOpen == true ? 1 : 0)) ON CONFLICT (figure, period, item) DO UPDATE SET \
                is_open = \(state.isOpen == nil ? SQLRaw("ioc_live_items.is_open") : SQLRaw("excluded.is_open")), \
                unit_code = COALESCE(excluded.unit_code, ioc_live_items.unit_code), category = COALESCE(excluded.category, ioc_live_items.category), \
                due_at_ms = COALESCE(excluded.due_at_ms, ioc_live_items.due_at_ms)
                """).run()
        }
    }
}
