import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// A procedure as published, with its version.
public struct PublishedProcedure: Codable, Sendable, Equatable {
    public var version: Int
    public var publishedAt: Date
    public var procedure: Procedure
}

/// The versioned procedure catalogue. The city profile is the source; each start publishes a new version of any
/// procedure whose text changed, and dossiers keep pointing at the version they were filed under.
public struct ProcedureCatalogue: Sendable {
    let database: PlatformDatabase
    /// A published version never changes (a change is a new version), so each is decoded once per process:
    /// every filing reads its procedure, and decoding it was a tenth of a filing's CPU.
    let decoded = DecodedVersions()

    public init(database: PlatformDatabase) {
        self.database = database
    }

    /// Publishes what changed; returns the codes of procedures that got a new version.
    @discardableResult
    public func sync(_ book: ProcedureBook, logger: Logger) async throws -> [String] {
        try await database.write(logger: logger) { db in
            let current = try await ProcedureVersionRecord.query(on: db).filter(\.$isCurrent == true).all()
            let byCode = Dictionary(current.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
            var changed: [String] = []
            for procedure in book.procedures {
                let data = try Self.encode(procedure)
                let existing = byCode[procedure.code]
                if existing?.data == data { continue }
                if let existing {
                    existing.isCurrent = false
                    try await existing.update(on: db)
                }
                let record = ProcedureVersionRecord()
                record.code = procedure.code
                record.version = (existing?.version ?? 0) + 1
                record.isCurrent = true
                record.name = procedure.name
                record.data = data
                record.publishedAt = Date()
                try await record.create(on: db)
                try await EventLog.append(
                    try DomainEvent(type: "public-services.procedure.published", actorName: "city-profile", subject: "procedure:\(procedure.code)",
                                    payload: ["version": String(record.version), "online": procedure.online.rawValue]),
                    on: db)
                changed.append(procedure.code)
            }
            return changed
        }
    }

    /// The current procedures, optionally narrowed by a search (Vietnamese words with or without diacritics, or
    /// English) and a sector.
    public func list(search: String? = nil, sector: String? = nil, logger: Logger) async throws -> [PublishedProcedure] {
        let records = try await ProcedureVersionRecord.query(on: try database.db(logger: logger)).filter(\.$isCurrent == true).sort(\.$name).all()
        let needle = search.map(Self.folded).flatMap { $0.isEmpty ? nil : $0 }
        return try records.map(Self.decode).filter { published in
            let procedure = published.procedure
            if let sector, procedure.sector != sector, procedure.sectorEn != sector { return false }
            guard let needle else { return true }
            return [procedure.name, procedure.nameEn ?? "", procedure.code, procedure.sector].contains { Self.folded($0).contains(needle) }
        }
    }

    public func current(_ code: String, logger: Logger) async throws -> PublishedProcedure? {
        let db = try database.db(logger: logger)
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        guard let row = try await sql.raw("""
            SELECT version FROM \(ident: ProcedureVersionRecord.schema) WHERE code = \(bind: code) AND is_current = \(bind: true)
            """).first() else { return nil }
        return try await version(code, try row.decode(column: "version", as: Int.self), on: db)
    }

    public func version(_ code: String, _ version: Int, on db: any Database) async throws -> PublishedProcedure? {
        let key = "\(code)#\(version)"
        if let known = decoded.entries.withLock({ $0[key] }) { return known }
        guard let record = try await ProcedureVersionRecord.query(on: db).filter(\.$code == code).filter(\.$version == version).first() else { return nil }
        let published = try Self.decode(record)
        decoded.entries.withLock { $0[key] = published }
        return published
    }

    public func versions(_ code: String, logger: Logger) async throws -> [PublishedProcedure] {
        try await ProcedureVersionRecord.query(on: try database.db(logger: logger)).filter(\.$code == code).sort(\.$version).all().map(Self.decode)
    }

    static func decode(_ record: ProcedureVersionRecord) throws -> PublishedProcedure {
        PublishedProcedure(version: record.version, publishedAt: record.publishedAt,
                           procedure: try JSONDecoder().decode(Procedure.self, from: Data(record.data.utf8)))
    }

    static func encode(_ procedure: Procedure) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(procedure), as: UTF8.self)
    }

    /// Lower case without Vietnamese diacritics, so "khai sinh" finds "Khai Sinh" and "khai sính".
    static func folded(_ text: String) -> String {
        text.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX")).lowercased()
    }
}

/// The procedure versions this process has decoded, by "code#version" (a few hundred at most).
final class DecodedVersions: Sendable {
    let entries = Mutex<[String: PublishedProcedure]>([:])
}
