import FluentKit
import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// Writes a batch in one transaction: the events, their units' computers, and each alert into the incident of its
/// rule, unit and host that is still open and saw an alert within the hour (a new one otherwise, logged as an event).
struct SecurityEventWriter: Sendable {
    /// Alerts of one rule on one host this close together are one incident.
    static let groupingWindowMs: Int64 = 3_600_000
    static let rowsPerInsert = 100

    let database: PlatformDatabase
    let contacts: IncidentContacts
    let pace = IncidentPace()
    let claims = SenderClaims()

    /// Stores the batch; what was stored (an event a sender sent twice at once is stored by whichever batch came
    /// first, and its alerts only there).
    func write(_ records: [SecurityEventRecord], alerts: [RaisedAlert], logger: Logger) async throws -> (events: Int, alerts: Int) {
        guard !records.isEmpty else { return (0, 0) }
        // In one order (unit, host, sender's id), so two copies of a batch take their rows' index locks on PostgreSQL
        // in the same order and never wait on each other in a circle.
        let rows = try records.sorted { ($0.unit, $0.host ?? "", $0.senderID ?? "", $0.id) < ($1.unit, $1.host ?? "", $1.senderID ?? "", $1.id) }
            .map(Self.row)
        let now = Date()
        let leaders = alerts.isEmpty ? [:] : try await contacts.leaders(of: Set(alerts.map(\.unit)), at: now, logger: logger)
        let contacts = contacts
        let postgres = database.kind == .postgres
        // One notice per unit a batch (the first incident it opens), and none while the unit is in its quiet time.
        let told = Mutex<Set<String>>([])
        let stored = Mutex<(events: Int, alerts: Int)>((0, 0))
        let room = pace.room(for: Set(alerts.map(\.unit)), at: now)
        let opened = Mutex<[String: Int]>([:])
        try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            told.withLock { $0 = [] }  // a retried transaction tells again
            var inserted = Set<String>()
            for start in stride(from: 0, to: rows.count, by: Self.rowsPerInsert) {
                let chunk = rows[start..<min(rows.count, start + Self.rowsPerInsert)]
                // A sender's id already stored by a batch written meanwhile: skipped here, not an error.
                for row in try await sql.raw("""
                    INSERT INTO soc_events (id, unit_code, source, occurred_at_ms, received_at_ms, host_name, category, event_type, \
                    fields, raw_base64, malformed, sender_event_id) VALUES 
                    """ + Array(chunk).joined(separator: ", ") + " ON CONFLICT DO NOTHING RETURNING id").all() {
                    inserted.insert(try row.decode(column: "id", as: String.self))
                }
            }
            let kept = inserted.count == records.count ? alerts : alerts.filter { inserted.contains($0.eventID) }
            try await Self.seeEndpoints(records.filter { inserted.contains($0.id) }, on: sql)
            if postgres { try await Self.lockGroups(of: kept, on: sql) }
            opened.withLock { $0 = [:] }
            try await Self.file(kept, room: room, on: db, sql: sql, tell: { incident, alert in
                if alert.ruleID != Self.stormRule { opened.withLock { $0[alert.unit, default: 0] += 1 } }
                guard let unitLeaders = leaders[alert.unit], told.withLock({ $0.insert(alert.unit).inserted }) else { return }
                try await contacts.tell(unitLeaders, incident: incident, alert: alert, on: db)
            })
            stored.withLock { $0 = (inserted.count, kept.count) }
        }
        contacts.throttle.record(told.withLock { $0 }, at: now)
        pace.record(opened.withLock { $0 }, at: now)
        return stored.withLock { $0 }
    }

    private static func row(_ record: SecurityEventRecord) throws -> SQLQueryString {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let fields = String(decoding: try encoder.encode(record.fields), as: UTF8.self)
        let raw = Data(record.raw).base64EncodedString()
        return """
            (\(bind: record.id), \(bind: record.unit), \(bind: record.source), \(bind: record.occurredAtMs), \(bind: record.receivedAtMs), \
            \(bind: record.host), \(bind: record.category), \(bind: record.eventType), \(bind: fields), \(bind: raw), \(bind: record.malformed), \
            \(bind: record.senderID))
            """
    }

    /// The computers events name, with the newest agent and antivirus versions they reported.
    private static func seeEndpoints(_ records: [SecurityEventRecord], on sql: any SQLDatabase) async throws {
        var latest: [String: SecurityEventRecord] = [:]
        for record in records {
            guard let host = record.host else { continue }
            let key = record.unit + "\u{0}" + host
            if let seen = latest[key], seen.receivedAtMs > record.receivedAtMs { continue }
            latest[key] = record
        }
        for record in latest.values.sorted(by: { ($0.unit, $0.host ?? "") < ($1.unit, $1.host ?? "") }) {
            try await sql.raw("""
                INSERT INTO soc_endpoints (unit_code, host_name, agent_version, antivirus, first_seen_at_ms, last_seen_at_ms) \
                VALUES (\(bind: record.unit), \(bind: record.host), \(bind: record.agentVersion), \(bind: record.antivirus), \
                \(bind: record.receivedAtMs), \(bind: record.receivedAtMs)) \
                ON CONFLICT (unit_code, host_name) DO UPDATE SET \
                last_seen_at_ms = CASE WHEN excluded.last_seen_at_ms > soc_endpoints.last_seen_at_ms \
                THEN excluded.last_seen_at_ms ELSE soc_endpoints.last_seen_at_ms END, \
                agent_version = COALESCE(excluded.agent_version, soc_endpoints.agent_version), \
                antivirus = COALESCE(excluded.antivirus, soc_endpoints.antivirus)
                """).run()
        }
    }

    /// New incidents one batch may open; alerts that would open more go to one alert-storm incident of the unit,
    /// so a sender naming thousands of hosts cannot bury the queue (or the event log) under incidents.
    static let maximumNewIncidentsPerBatch = 50
    static let stormRule = "hues.alert-storm"

    /// `tell` announces each incident opened to the unit's contacts; `room`: new incidents each unit may still open
    /// this hour (`IncidentPace`).
    private static func file(_ alerts: [RaisedAlert], room: [String: Int], on db: any Database, sql: any SQLDatabase,
                             tell: (String, RaisedAlert) async throws -> Void) async throws {
        var room = room
        var incidents: [String: (id: String, count: Int64, last: Int64)] = [:]
        var hits: [String: (count: Int64, last: Int64)] = [:]
        var opened = 0
        var rows: [SQLQueryString] = []
        // A critical alert folded into a storm makes the storm critical: it must not sink among high ones.
        var criticalStorms = Set<String>()
        for alert in alerts {
            var key = [alert.ruleID, alert.unit, alert.host].joined(separator: "\u{0}")
            var incident: (id: String, count: Int64, last: Int64)
            if let known = incidents[key] {
                incident = known
            } else if let open = try await openIncident(for: alert, on: sql) {
                incident = (open, 0, alert.atMs)
            } else if opened < maximumNewIncidentsPerBatch, room[alert.unit, default: 0] > 0 {
                opened += 1
                room[alert.unit, default: 0] -= 1
                incident = (try await open(alert, on: db, sql: sql), 0, alert.atMs)
                try await tell(incident.id, alert)
            } else {
                let storm = RaisedAlert(ruleID: stormRule, title: "Alert storm: more new incidents than the SOC opens at once (50 a batch, 200 a unit an hour)",
                                        level: .high, eventID: alert.eventID, unit: alert.unit, host: "*", atMs: alert.atMs)
                key = [storm.ruleID, storm.unit, storm.host].joined(separator: "\u{0}")
                if let known = incidents[key] {
                    incident = known
                } else if let open = try await openIncident(for: storm, on: sql) {
                    incident = (open, 0, alert.atMs)
                } else {
                    incident = (try await open(storm, on: db, sql: sql), 0, alert.atMs)
                    try await tell(incident.id, storm)
                }
                if alert.level == .critical { criticalStorms.insert(incident.id) }
            }
            incident.count += 1
            incident.last = max(incident.last, alert.atMs)
            incidents[key] = incident
            let hit = hits[alert.ruleID] ?? (0, alert.atMs)
            hits[alert.ruleID] = (hit.count + 1, max(hit.last, alert.atMs))
            rows.append("""
                (\(bind: UUID().uuidString.lowercased()), \(bind: incident.id), \(bind: alert.eventID), \(bind: alert.ruleID), \
                \(bind: alert.level.rawValue), \(bind: alert.unit), \(bind: alert.host), \(bind: alert.atMs))
                """)
        }
        for start in stride(from: 0, to: rows.count, by: rowsPerInsert) {
            try await sql.raw("""
                INSERT INTO soc_alerts (id, incident_id, event_id, rule_id, level, unit_code, host_name, raised_at_ms) VALUES 
                """ + Array(rows[start..<min(rows.count, start + rowsPerInsert)]).joined(separator: ", ")).run()
        }
        for id in criticalStorms.sorted() {
            try await sql.raw("UPDATE soc_incidents SET level = 'critical' WHERE id = \(bind: id)").run()
        }
        try await count(incidents: Array(incidents.values), hits: hits, on: sql)
    }

    /// On PostgreSQL two batches at once could each find no open incident for a group and open one each: each batch
    /// first takes a transaction lock per group it files into (in one order, so two batches never wait on each
    /// other in a circle). SQLite has one writer at a time and needs none.
    private static func lockGroups(of alerts: [RaisedAlert], on sql: any SQLDatabase) async throws {
        // PostgreSQL text holds no NUL: the parts are joined by the unit separator (host names carry no controls).
        let groups = Set(alerts.flatMap { ["\($0.ruleID)\u{1F}\($0.unit)\u{1F}\($0.host)", "\(stormRule)\u{1F}\($0.unit)\u{1F}*"] }).sorted()
        for start in stride(from: 0, to: groups.count, by: 500) {
            let values = groups[start..<min(groups.count, start + 500)].map { "(\(bind: $0))" as SQLQueryString }
            // Output expressions are evaluated after the sort (PostgreSQL 9.6 and later): the locks are taken in order.
            try await sql.raw("SELECT pg_advisory_xact_lock(hashtextextended('soc-incident:' || k, 0)) FROM (VALUES "
                              + values.joined(separator: ", ") + ") AS g(k) ORDER BY k").run()
        }
    }

    /// The open incident of the alert's rule, unit and host that saw an alert within the hour.
    private static func openIncident(for alert: RaisedAlert, on sql: any SQLDatabase) async throws -> String? {
        try await sql.raw("""
            SELECT id FROM soc_incidents WHERE rule_id = \(bind: alert.ruleID) AND unit_code = \(bind: alert.unit) \
            AND host_name = \(bind: alert.host) AND state <> 'closed' AND last_alert_at_ms >= \(bind: alert.atMs - groupingWindowMs) \
            ORDER BY last_alert_at_ms DESC LIMIT 1
            """).first()?.decode(column: "id", as: String.self)
    }

    private static func count(incidents: [(id: String, count: Int64, last: Int64)], hits: [String: (count: Int64, last: Int64)],
                              on sql: any SQLDatabase) async throws {
        for incident in incidents.sorted(by: { $0.id < $1.id }) {
            try await sql.raw("""
                UPDATE soc_incidents SET alert_count = alert_count + \(bind: incident.count), \
                last_alert_at_ms = CASE WHEN last_alert_at_ms > \(bind: incident.last) THEN last_alert_at_ms ELSE \(bind: incident.last) END \
                WHERE id = \(bind: incident.id)
                """).run()
        }
        for (rule, hit) in hits.sorted(by: { $0.key < $1.key }) {
            try await sql.raw("""
                INSERT INTO soc_rule_hits (rule_id, hits, last_hit_at_ms) VALUES (\(bind: rule), \(bind: hit.count), \(bind: hit.last)) \
                ON CONFLICT (rule_id) DO UPDATE SET hits = soc_rule_hits.hits + excluded.hits, \
                last_hit_at_ms = CASE WHEN excluded.last_hit_at_ms > soc_rule_hits.last_hit_at_ms \
                THEN excluded.last_hit_at_ms ELSE soc_rule_hits.last_hit_at_ms END
                """).run()
        }
    }

    private static func open(_ alert: RaisedAlert, on db: any Database, sql: any SQLDatabase) async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await sql.raw("""
            INSERT INTO soc_incidents (id, unit_code, host_name, rule_id, title, level, state, alert_count, opened_at_ms, last_alert_at_ms) \
            VALUES (\(bind: id), \(bind: alert.unit), \(bind: alert.host), \(bind: alert.ruleID), \(bind: alert.title), \
            \(bind: alert.level.rawValue), 'open', 0, \(bind: alert.atMs), \(bind: alert.atMs))
            """).run()
        try await EventLog.append(try DomainEvent(type: "security.incident.opened", unitCode: alert.unit, subject: id,
                                                  payload: ["rule": alert.ruleID, "level": alert.level.rawValue],
                                                  occurredAt: Date(timeIntervalSince1970: Double(alert.atMs) / 1000)), on: db)
        return id
    }
}
