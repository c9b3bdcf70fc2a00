import Foundation
import Logging
import Platform
import SQLKit

/// Runs the alert rules over the latest readings: a sensor past its rule's threshold for long enough raises one
/// alert (with its event, the NGSI-LD `Alert` entity and a notice to the answerable unit's leaders); once its
/// readings come back, the alert is marked cleared and waits for an operator to close it. Sensors silent for
/// more than an hour are left as they are: no reading is not a reading under the threshold.
public struct AlertWatch: Sendable {
    static let staleAfter: Int64 = 3_600_000
    static let maximumRows = 200_000

    let database: PlatformDatabase
    let broker: NGSIBroker
    let rules: AlertRules
    let operationsUnit: String?
    /// Where the staff directory and the notice board are found once every module is built.
    let capabilities: Capabilities
    let clock: @Sendable () -> Date

    var staff: (any StaffDirectory)? { capabilities.first((any StaffDirectory).self) }
    var notices: (any NoticeBoard)? { capabilities.first((any NoticeBoard).self) }

    /// Returns how many alerts were raised and cleared.
    @discardableResult
    public func evaluate(logger: Logger) async throws -> (raised: Int, cleared: Int) {
        var raised = 0, cleared = 0
        for rule in try await rules.all(logger: logger) {
            // One rule that fails (a notice that cannot be posted, a database hiccup) is logged; the others still run.
            do {
                let (up, down) = try await evaluate(rule, logger: logger)
                raised += up
                cleared += down
            } catch {
                logger.error("alert rule not evaluated", metadata: ["rule": "\(rule.code)", "error": "\(error)"])
            }
        }
        return (raised, cleared)
    }

    private func evaluate(_ rule: AlertRule, logger: Logger) async throws -> (raised: Int, cleared: Int) {
        var raised = 0, cleared = 0
        // Which sensors have a live alert of this rule, and whether it is cleared: only changes cost a write.
        let rows = try await database.sql(logger: logger).raw("SELECT subject, cleared_at_ms FROM ioc_alerts WHERE rule_code = \(bind: rule.code) AND state <> 'closed'").all()
        var alive: [String: Bool] = [:]
        for row in rows { alive[try row.decode(column: "subject", as: String.self)] = try row.decode(column: "cleared_at_ms", as: Int64?.self) != nil }
        // A live figure's indicator holds its value until it changes (it is written on change only); a sensor does not.
        let holdsItsValue = rule.entityType == LiveFigureEntities.type
        let now = Int64(clock().timeIntervalSince1970 * 1000)
        for (sensor, listed) in try await recentReadings(for: rule, logger: logger) {
            guard let latest = listed.last, holdsItsValue || latest.at >= now - Self.staleAfter else { continue }
            // An indicator still holds its latest value now: without that, a value held for the rule's stretch since
            // its last change would never count as sustained.
            let readings = holdsItsValue && latest.at < now ? listed + [(at: now, value: latest.value)] : listed
            if rule.holds(over: readings) {
                if alive[sensor] ?? true, try await raise(rule, sensor: sensor, reading: latest, logger: logger) { raised += 1 }
            } else if rule.clears(over: readings), alive[sensor] == false, try await clear(rule, sensor: sensor, logger: logger) {
                cleared += 1
            }
        }
        return (raised, cleared)
    }

    /// Each sensor's readings of the rule's attribute over the rule's window and an hour before it, oldest first.
    func recentReadings(for rule: AlertRule, logger: Logger) async throws -> [(String, [(at: Int64, value: Double)])] {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        let since = now - Int64(rule.sustainedMinutes) * 60_000 - Self.staleAfter
        let prefix: SQLQueryString = rule.entityPrefix.map { " AND substr(s.entity_id, 1, \(literal: $0.utf8.count)) = \(bind: $0)" } ?? ""
        let rows = try await database.sql(logger: logger).raw("""
            SELECT s.entity_id, r.observed_at_ms, r.value FROM ngsi_series s JOIN ngsi_readings r ON r.series_id = s.id \
            WHERE s.entity_type = \(bind: rule.entityType) AND s.attribute = \(bind: rule.attribute)
            """ + prefix + " AND r.observed_at_ms >= \(bind: since) AND r.observed_at_ms <= \(bind: now + 300_000) ORDER BY s.entity_id, r.observed_at_ms LIMIT \(bind: Self.maximumRows)").all()
        let cut = rows.count == Self.maximumRows
        if cut { logger.warning("alert rule reads only its first readings", metadata: ["rule": "\(rule.code)", "rows": "\(rows.count)"]) }
        var sensors: [(String, [(at: Int64, value: Double)])] = []
        for row in rows {
            let sensor = try row.decode(column: "entity_id", as: String.self)
            let reading = (at: try row.decode(column: "observed_at_ms", as: Int64.self), value: try row.decode(column: "value", as: Double.self))
            if sensors.last?.0 == sensor { sensors[sensors.count - 1].1.append(reading) } else { sensors.append((sensor, [reading])) }
        }
        // The last sensor of a cut read may lack its latest readings: judging it on them would be wrong.
        if cut { sensors.removeLast() }
        guard rule.entityType == LiveFigureEntities.type else { return sensors }
        return try await withValuesBefore(since, sensors, cut: cut, for: rule, prefix: prefix, logger: logger)
    }

    /// A live figure's value before the window still stood at its start: each indicator's last reading before
    /// `since` goes first in its list (and an indicator with none in the window gets that one alone).
    func withValuesBefore(_ since: Int64, _ sensors: [(String, [(at: Int64, value: Double)])], cut: Bool, for rule: AlertRule, prefix: SQLQueryString,
                          logger: Logger) async throws -> [(String, [(at: Int64, value: Double)])] {
        // The window's read goes in id order: when it was cut, sensors after the last one it kept may have had
        // readings in the window that were left out, so their older value must not stand for them (compared by the
        // database, in the same order as it read). Sensors before it simply had none in the window, a held
        // indicator's usual state.
        var through: SQLQueryString = ""
        if cut {
            guard let reached = sensors.last?.0 else { return sensors }
            through = " AND s.entity_id <= \(bind: reached)"
        }
        let rows = try await database.sql(logger: logger).raw("""
            SELECT s.entity_id, r.observed_at_ms, r.value FROM ngsi_series s JOIN ngsi_readings r ON r.series_id = s.id \
            WHERE s.entity_type = \(bind: rule.entityType) AND s.attribute = \(bind: rule.attribute)
            """ + prefix + through + " AND r.observed_at_ms = (SELECT MAX(x.observed_at_ms) FROM ngsi_readings x WHERE x.series_id = s.id AND x.observed_at_ms < \(bind: since))"
            + " ORDER BY s.entity_id LIMIT \(bind: Self.maximumRows)").all()
        var merged = Dictionary(sensors.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
        for row in rows {
            let sensor = try row.decode(column: "entity_id", as: String.self)
            let reading = (at: try row.decode(column: "observed_at_ms", as: Int64.self), value: try row.decode(column: "value", as: Double.self))
            merged[sensor] = [reading] + (merged[sensor] ?? [])
        }
        return merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private func raise(_ rule: AlertRule, sensor: String, reading: (at: Int64, value: Double), logger: Logger) async throws -> Bool {
        let unit = rule.unit ?? operationsUnit ?? "city"
        let leaders = try await staff?.staff(holding: .unitLeader, in: unit, logger: logger) ?? []
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        let (broker, notices) = (broker, notices)
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            // A cleared alert that is still open comes back rather than making a second one.
            if let back = try await sql.raw("""
                UPDATE ioc_alerts SET cleared_at_ms = NULL, value = \(bind: reading.value), observed_at_ms = \(bind: reading.at) \
                WHERE rule_code = \(bind: rule.code) AND subject = \(bind: sensor) AND state <> 'closed' AND cleared_at_ms IS NOT NULL RETURNING id
                """).first() {
                let id = try back.decode(column: "id", as: String.self)
                try await EventLog.append(DomainEvent(type: "operations.alert.returned", unitCode: unit, subject: id), on: db)
                guard let alert = try await sql.raw(OperationsAlert.columns + " WHERE id = \(bind: id)").first().map(OperationsAlert.init(row:)) else { throw Problem.internal() }
                try await broker.apply([alert.entity(rule: rule)], operation: .replace, at: Date(timeIntervalSince1970: Double(now) / 1000), on: sql, logger: logger)
                return false
            }
            let id = UUID().uuidString.lowercased()
            guard try await sql.raw("""
                INSERT INTO ioc_alerts (id, rule_code, subject, unit_code, severity, state, value, observed_at_ms, raised_at_ms) VALUES \
                (\(bind: id), \(bind: rule.code), \(bind: sensor), \(bind: unit), \(bind: rule.severity.rawValue), 'open', \(bind: reading.value), \
                \(bind: reading.at), \(bind: now)) ON CONFLICT DO NOTHING RETURNING id
                """).first() != nil else { return false }
            try await EventLog.append(try DomainEvent(type: "operations.alert.raised", unitCode: unit, subject: id,
                                                      payload: ["rule": rule.code, "sensor": sensor, "severity": rule.severity.rawValue]), on: db)
            guard let alert = try await sql.raw(OperationsAlert.columns + " WHERE id = \(bind: id)").first().map(OperationsAlert.init(row:)) else { throw Problem.internal() }
            try await broker.apply([alert.entity(rule: rule)], operation: .replace, at: Date(timeIntervalSince1970: Double(now) / 1000), on: sql, logger: logger)
            for leader in leaders {
                try await notices?.post(NoticeDraft(recipient: leader.accountID, template: "operations.alert.raised",
                                                    data: ["rule": rule.name["vi"] ?? rule.code, "rule_en": rule.name["en"] ?? rule.code, "sensor": sensor,
                                                           "value": JSONValue.number(reading.value).jsonText, "severity": rule.severity.rawValue],
                                                    link: "/operations/alerts"), on: db)
            }
            return true
        }
    }

    private func clear(_ rule: AlertRule, sensor: String, logger: Logger) async throws -> Bool {
        let now = Int64((clock().timeIntervalSince1970 * 1000).rounded())
        let broker = self.broker
        return try await database.write(logger: logger) { db in
            guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
            guard let row = try await sql.raw("""
                UPDATE ioc_alerts SET cleared_at_ms = \(bind: now) WHERE rule_code = \(bind: rule.code) AND subject = \(bind: sensor) \
                AND state <> 'closed' AND cleared_at_ms IS NULL RETURNING id, unit_code
                """).first() else { return false }
            let id = try row.decode(column: "id", as: String.self)
            try await EventLog.append(DomainEvent(type: "operations.alert.cleared", unitCode: try row.decode(column: "unit_code", as: String.self), subject: id), on: db)
            guard let alert = try await sql.raw(OperationsAlert.columns + " WHERE id = \(bind: id)").first().map(OperationsAlert.init(row:)) else { throw Problem.internal() }
            try await broker.apply([alert.entity(rule: rule)], operation: .replace, at: Date(timeIntervalSince1970: Double(now) / 1000), on: sql, logger: logger)
            return true
        }
    }
}
