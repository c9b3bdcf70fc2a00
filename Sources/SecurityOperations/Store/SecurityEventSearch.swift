import Foundation
import Logging
import Platform
import SQLKit

/// Reading stored events back: by unit, host, type, category, time and malformed-only, newest first; and the units'
/// computers with when each was last heard from.
public struct SecurityEventSearch: Sendable {
    public struct Filter: Sendable {
        public var units: [String]?
        public var host: String?
        public var eventType: String?
        public var category: String?
        public var fromMs: Int64?
        public var toMs: Int64?
        public var malformedOnly = false
        public var limit = 100
    }

    public struct StoredEvent: Codable, Sendable {
        public let id: String
        public let unit: String
        public let source: String
        public let occurredAt: Date
        public let receivedAt: Date
        public let host: String?
        public let category: String?
        public let type: String?
        public let fields: [String: JSONValue]
        /// The bytes as they arrived, base64.
        public let raw: String
        public let malformed: String?
    }

    public struct Endpoint: Codable, Sendable {
        public let unit: String
        public let host: String
        public let agentVersion: String?
        public let antivirus: String?
        public let firstSeen: Date
        public let lastSeen: Date
        /// Not heard from in `staleAfterDays`: an agent stopped, or a machine gone.
        public let stale: Bool
    }

    public static let staleAfterDays = 7
    let database: PlatformDatabase
    let clock: @Sendable () -> Date

    public func events(_ filter: Filter, logger: Logger) async throws -> [StoredEvent] {
        var conditions: [SQLQueryString] = []
        if let units = filter.units { conditions.append(units.isEmpty ? "1 = 0" : "unit_code IN (\(binds: units))") }
        if let host = filter.host { conditions.append("host_name = \(bind: host)") }
        if let type = filter.eventType { conditions.append("event_type = \(bind: type)") }
        if let category = filter.category { conditions.append("category = \(bind: category)") }
        if let from = filter.fromMs { conditions.append("occurred_at_ms >= \(bind: from)") }
        if let to = filter.toMs { conditions.append("occurred_at_ms < \(bind: to)") }
        if filter.malformedOnly { conditions.append("malformed IS NOT NULL") }
        let filterSQL: SQLQueryString = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let rows = try await database.sql(logger: logger).raw("""
            SELECT id, unit_code, source, occurred_at_ms, received_at_ms, host_name, category, event_type, fields, raw_base64, malformed \
            FROM soc_events
            """ + filterSQL + " ORDER BY occurred_at_ms DESC, id LIMIT \(bind: filter.limit)").all()
        return try rows.map { row in
            let id = try row.decode(column: "id", as: String.self)
            let text = try row.decode(column: "fields", as: String.self)
            let fields: [String: JSONValue]
            do {
                fields = try JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
            } catch {
                // Written by this module as JSON; a row that no longer reads is shown without fields, and said.
                logger.error("a stored security event's fields do not read", metadata: ["event": "\(id)"])
                fields = [:]
            }
            return StoredEvent(id: id, unit: try row.decode(column: "unit_code", as: String.self),
                               source: try row.decode(column: "source", as: String.self),
                               occurredAt: Self.date(try row.decode(column: "occurred_at_ms", as: Int64.self)),
                               receivedAt: Self.date(try row.decode(column: "received_at_ms", as: Int64.self)),
                               host: try row.decode(column: "host_name", as: String?.self),
                               category: try row.decode(column: "category", as: String?.self),
                               type: try row.decode(column: "event_type", as: String?.self), fields: fields,
                               raw: try row.decode(column: "raw_base64", as: String.self),
                               malformed: try row.decode(column: "malformed", as: String?.self))
        }
    }

    public func endpoints(units: [String]?, limit: Int = 10_000, logger: Logger) async throws -> [Endpoint] {
        let filter: SQLQueryString = units.map { $0.isEmpty ? " WHERE 1 = 0" : " WHERE unit_code IN (\(binds: $0))" } ?? ""
        let staleBefore = Int64(clock().timeIntervalSince1970 * 1000) - Int64(Self.staleAfterDays) * 86_400_000
        let rows = try await database.sql(logger: logger).raw("""
            SELECT unit_code, host_name, agent_version, antivirus, first_seen_at_ms, last_seen_at_ms FROM soc_endpoints
            """ + filter + " ORDER BY unit_code, host_name LIMIT \(bind: limit)").all()
        return try rows.map { row in
            let last = try row.decode(column: "last_seen_at_ms", as: Int64.self)
            return Endpoint(unit: try row.decode(column: "unit_code", as: String.self),
                            host: try row.decode(column: "host_name", as: String.self),
                            agentVersion: try row.decode(column: "agent_version", as: String?.self),
                            antivirus: try row.decode(column: "antivirus", as: String?.self),
                            firstSeen: Self.date(try row.decode(column: "first_seen_at_ms", as: Int64.self)),
                            lastSeen: Self.date(last), stale: last < staleBefore)
        }
    }

    public func ruleHits(logger: Logger) async throws -> [String: (hits: Int64, last: Date)] {
        let rows = try await database.sql(logger: logger).raw("SELECT rule_id, hits, last_hit_at_ms FROM soc_rule_hits").all()
        var hits: [String: (hits: Int64, last: Date)] = [:]
        for row in rows {
            hits[try row.decode(column: "rule_id", as: String.self)] =
                (try row.decode(column: "hits", as: Int64.self), Self.date(try row.decode(column: "last_hit_at_ms", as: Int64.self)))
        }
        return hits
    }

    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
