import FluentKit
import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Synchronization
import Testing

@testable import Operations
@testable import Platform

/// Alert rules over the readings: raised once when a gauge stays past its threshold long enough, with its event,
/// `Alert` entity and a notice to the answerable unit's leaders; cleared when the water goes down; then handled.
struct AlertTests {
    let logger = Logger(label: "test")

    final class Inbox: NoticeBoard, StaffDirectory {
        let posted = Mutex<[NoticeDraft]>([])
        func post(_ notice: NoticeDraft, on database: any Database) async throws { posted.withLock { $0.append(notice) } }
        func staff(holding role: Role, in unit: String, logger: Logger) async throws -> [StaffMember] {
            role == .unitLeader && unit == "phuong-kim-long" ? [StaffMember(accountID: "leader-kl", name: "Lãnh đạo Kim Long")] : []
        }
        func profile(accountID: String, logger: Logger) async throws -> StaffProfile? { nil }
    }

    static let flood = AlertRule(code: "kim-long-bd3", name: ["vi": "Mực nước sông Hương tại Kim Long vượt báo động 3", "en": "Perfume River at Kim Long above alarm 3"],
                                 severity: .critical, entityType: "WaterLevelObserved", entityPrefix: "urn:ngsi-ld:WaterLevelObserved:kim-long",
                                 attribute: "waterLevel", comparison: .atLeast, threshold: 3.5, sustainedMinutes: 10, unit: "phuong-kim-long")

    @Test func aRuleHoldsOnlyWhenEveryReadingOverItsWindowIsPastTheThreshold() {
        let minute: Int64 = 60_000
        let rule = Self.flood
        #expect(!rule.holds(over: []))
        #expect(!rule.holds(over: [(0, 3.6)]))  // not yet ten minutes of readings
        #expect(rule.holds(over: [(0, 3.6), (5 * minute, 3.7), (10 * minute, 3.8)]))
        #expect(!rule.holds(over: [(0, 3.6), (5 * minute, 3.4), (10 * minute, 3.8)]))
        #expect(rule.holds(over: [(0, 3.0), (1 * minute, 3.5), (11 * minute, 3.9)]))
        #expect(!rule.holds(over: [(0, 3.6), (10 * minute, 3.4)]))
        var immediate = rule
        immediate.sustainedMinutes = 0
        #expect(immediate.holds(over: [(0, 3.5)]) && !immediate.holds(over: [(0, 3.49)]))
        // One low reading amid high ones is not the all-clear; ten minutes under the threshold is.
        #expect(!rule.clears(over: [(0, 3.8), (5 * minute, 3.4), (10 * minute, 3.9)]))
        #expect(!rule.clears(over: [(0, 3.8), (5 * minute, 3.9), (10 * minute, 3.4)]))
        #expect(rule.clears(over: [(0, 3.4), (5 * minute, 3.3), (10 * minute, 3.1)]))
        #expect(immediate.clears(over: [(0, 3.9), (minute, 3.4)]))
        #expect(rule.problems(units: ["phuong-kim-long"]).isEmpty)
        var bad = rule
        (bad.code, bad.threshold, bad.sustainedMinutes, bad.unit, bad.attribute) = ("Kim Long", .nan, 5000, "nowhere", "a b")
        #expect(Set(bad.problems(units: ["phuong-kim-long"]).map(\.field)) == ["code", "threshold", "sustainedMinutes", "unit", "attribute"])
    }

    @Test func aFloodRaisesOneAlertThatClearsWhenTheWaterGoesDown() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(EventLog.migrations() + OperationsModule.brokerMigrations + [CreateAlertTables()], logger: logger)
            let start = Date(timeIntervalSince1970: 1_796_083_200)
            let clock = TestClock(start)
            let inbox = Inbox()
            let capabilities = Capabilities()
            capabilities.provide((any NoticeBoard).self, inbox, by: "test")
            capabilities.provide((any StaffDirectory).self, inbox, by: "test")
            let broker = NGSIBroker(database: database, operationsUnit: "hue-ioc", clock: clock.reading)
            let rules = AlertRules(database: database)
            let watch = AlertWatch(database: database, broker: broker, rules: rules, operationsUnit: "hue-ioc", capabilities: capabilities, clock: clock.reading)
            let admin = Principal(accountID: "admin-1", username: "admin", displayName: "Admin", grants: [RoleGrant(role: .admin)], credential: .accessToken)
            try await rules.save(Self.flood, by: admin, at: clock.now, logger: logger)

            func gauge(_ name: String, _ level: Double) async throws {
                let parsed = try EntityParser(now: clock.now).entity(.object([
                    "id": .string("urn:ngsi-ld:WaterLevelObserved:\(name)"), "type": .string("WaterLevelObserved"),
                    "waterLevel": .object(["type": .string("Property"), "value": .number(level), "observedAt": .string(NGSITime.format(clock.now))]),
                ]))
                _ = try await broker.write([parsed], operation: .merge(overwrite: true), logger: logger)
            }
            // The river rises past 3.5 m at Kim Long and stays there; Đập Đá (another gauge) is past it too, but not this rule's.
            for level in [3.2, 3.5, 3.6, 3.8, 3.9] {
                try await gauge("kim-long", level)
                try await gauge("dap-da", level)
                #expect(try await watch.evaluate(logger: logger).raised == (level == 3.8 ? 1 : 0), "at \(level)")
                clock.advance(by: 300)
            }
            // 3.5 at +5 min, 3.6 at +10, 3.8 at +15: the evaluation after 3.8 saw ten minutes past the threshold.
            let desk = AlertDesk(database: database, broker: broker, clock: clock.reading)
            let alerts = try await desk.alerts(state: nil, units: nil, limit: 10, logger: logger)
            #expect(alerts.count == 1)
            let alert = try #require(alerts.first)
            #expect(alert.subject == "urn:ngsi-ld:WaterLevelObserved:kim-long" && alert.unit == "phuong-kim-long" && alert.severity == "critical" && alert.state == "open")
            #expect(inbox.posted.withLock { $0.map(\.recipient) } == ["leader-kl"])
            let entity = try #require(try await broker.entity("urn:ngsi-ld:Alert:\(alert.id)", logger: logger))
            #expect(entity.type == "Alert" && entity.attributes["subCategory"]?.object?["value"] == .string("flood"))
            #expect(entity.attributes["alertSource"]?.object?["object"] == .string("urn:ngsi-ld:WaterLevelObserved:kim-long"))
            #expect(try await watch.evaluate(logger: logger) == (0, 0))

            // One reading under the threshold is not the all-clear; ten minutes of them are.
            try await gauge("kim-long", 3.1)
            #expect(try await watch.evaluate(logger: logger) == (0, 0))
            for level in [3.0, 2.9] {
                clock.advance(by: 300)
                try await gauge("kim-long", level)
            }
            #expect(try await watch.evaluate(logger: logger) == (0, 1))
            #expect(try await desk.alert(alert.id, logger: logger)?.clearedAt != nil)
            let acknowledged = try await desk.take(.acknowledge, on: alert.id, detail: nil, by: admin, rule: Self.flood, logger: logger)
            #expect(acknowledged.state == "acknowledged" && acknowledged.acknowledgedBy == "admin-1")
            await #expect(throws: Problem.self) { try await desk.take(.acknowledge, on: alert.id, detail: nil, by: admin, rule: Self.flood, logger: logger) }
            let closed = try await desk.take(.close, on: alert.id, detail: "Nước đã rút dưới báo động 3", by: admin, rule: Self.flood, logger: logger)
            #expect(closed.state == "closed" && closed.closeReason == "Nước đã rút dưới báo động 3")
            #expect(try await broker.entity("urn:ngsi-ld:Alert:\(alert.id)", logger: logger)?.attributes["status"]?.object?["value"] == .string("closed"))
            // The next flood is a new alert.
            clock.advance(by: 60)
            for level in [3.7, 3.8, 3.9] {
                try await gauge("kim-long", level)
                clock.advance(by: 360)
            }
            #expect(try await watch.evaluate(logger: logger).raised == 1)
            #expect(try await desk.alerts(state: "open", units: ["phuong-kim-long"], limit: 10, logger: logger).count == 1)
            #expect(try await desk.alerts(state: nil, units: ["phuong-phu-xuan"], limit: 10, logger: logger).isEmpty)
        }
    }
}
