import FluentKit
import Foundation
import Logging
import SQLKit
import Synchronization

/// Staff seeing a person's data goes into the event log (Law 91/2025: a breach answer must say whose data who saw),
/// once per reader, record and city day: an officer working a dossier all morning is one entry, not one per page
/// load, so the log stays readable and a page view does not cost a durable write each time.
///
/// A row per (reader, subject, day) in `personal_data_reads` makes "once" hold across instances and restarts; each
/// process also remembers what it has logged today, so a repeat view costs no database round trip.
public enum PersonalDataReads {
    private static let logged = Mutex<(day: String, keys: Set<String>)>(("", []))

    public static func migrations() -> [any Migration] { [CreatePersonalDataReads()] }

    /// Logs that `reader` saw the personal data in `subject` (`dossier:CODE`, `field-report:CODE`) unless they already
    /// have today. `type` is the module's event type for such reads.
    public static func record(type: String, reader: String, readerName: String, unitCode: String?, subject: String,
                              on database: PlatformDatabase, timeZone: TimeZone, at moment: Date = Date(), logger: Logger) async throws {
        let day = CityDay.of(moment, in: timeZone)
        let prefix = "\(database.location)|\(reader)|"
        guard !unseen([subject], prefix: prefix, day: day).isEmpty else { return }
        try await database.write(logger: logger) { db in
            guard try await !markSeen([subject], by: reader, day: day, on: db).isEmpty else { return }
            try await EventLog.append(DomainEvent(type: type, actorID: reader, actorName: readerName, unitCode: unitCode, subject: subject), on: db)
        }
        remember([subject], prefix: prefix, day: day)
    }

    /// Logs that `reader` saw a list or queue (`listing`, e.g. `dossier-queue:phuong-phu-xuan`) showing the personal
    /// data of `subjects`: one entry naming those not yet seen by them today, none when all were, so paging through a
    /// queue all morning is a handful of entries that still say whose names were shown. Seeing a name in a list and
    /// opening the record are counted apart: a dossier opened after the queue showed it is an entry of its own.
    public static func record(type: String, reader: String, readerName: String, unitCode: String?, listing: String, subjects: [String],
                              on database: PlatformDatabase, timeZone: TimeZone, at moment: Date = Date(), logger: Logger) async throws {
        let day = CityDay.of(moment, in: timeZone)
        let prefix = "\(database.location)|\(reader)|"
        let fresh = unseen(Set(subjects).map { listed + $0 }, prefix: prefix, day: day)
        guard !fresh.isEmpty else { return }
        try await database.write(logger: logger) { db in
            let shown = try await markSeen(fresh, by: reader, day: day, on: db).map { String($0.dropFirst(listed.count)) }
            guard !shown.isEmpty else { return }
            try await EventLog.append(try DomainEvent(type: type, actorID: reader, actorName: readerName, unitCode: unitCode, subject: listing,
                                                      payload: ["subjects": shown.sorted()]), on: db)
        }
        remember(fresh, prefix: prefix, day: day)
    }

    /// Marks a record seen in a list, kept apart from the record opened.
    static let listed = "list:"

    /// The subjects this process has not logged for the reader today (a new day starts afresh).
    private static func unseen(_ subjects: [String], prefix: String, day: String) -> [String] {
        logged.withLock { logged in
            if logged.day != day || logged.keys.count > 200_000 { logged = (day, []) }
            return subjects.filter { !logged.keys.contains(prefix + $0) }.sorted()
        }
    }

    /// Remembered only once the entry (or an earlier one) is committed: a failed write is tried again next view.
    private static func remember(_ subjects: [String], prefix: String, day: String) {
        logged.withLock { logged in if logged.day == day { for subject in subjects { logged.keys.insert(prefix + subject) } } }
    }

    /// Rows for the subjects not yet marked (by any instance) today; returns those this call marked.
    private static func markSeen(_ subjects: [String], by reader: String, day: String, on db: any Database) async throws -> [String] {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        var marked: [String] = []
        // A few hundred rows per statement keeps every database under its limit on bound values.
        for start in stride(from: 0, to: subjects.count, by: 300) {
            let rows = subjects[start..<min(start + 300, subjects.count)].map { SQLQueryString("(\(bind: reader), \(bind: $0), \(bind: day))") }
            let inserted = try await sql.raw("""
                INSERT INTO personal_data_reads (reader, subject, day) VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (reader, subject, day) DO NOTHING RETURNING subject
                """).all()
            marked += try inserted.map { try $0.decode(column: "subject", as: String.self) }
        }
        return marked
    }

    /// Yesterday's and older rows have done their work (the event log keeps the entries themselves).
    public static func prune(on database: PlatformDatabase, timeZone: TimeZone, now: Date = Date(), logger: Logger) async throws {
        let yesterday = CityDay.of(now.addingTimeInterval(-86_400), in: timeZone)
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            try await sql.raw("DELETE FROM personal_data_reads WHERE day < \(bind: yesterday)").run()
        }
    }
}

struct CreatePersonalDataReads: AsyncMigration {
    var name: String { "platform.create-personal-data-reads" }

    func prepare(on database: any Database) async throws {
        try await database.schema("personal_data_reads")
            .field("reader", .string, .required)
            .field("subject", .string, .required)
            .field("day", .string, .required)
            .compositeIdentifier(over: "reader", "subject", "day")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("personal_data_reads").delete()
    }
}
