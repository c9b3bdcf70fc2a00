import Foundation
import HuesTestSupport
import Logging
import SQLKit
import Synchronization
import Testing

@testable import Operations
@testable import Platform

/// Subscriptions: which writes owe a notification, what it carries, and how delivery retries a subscriber that is
/// down without ever holding up the writes.
struct SubscriptionTests {
    let logger = Logger(label: "test")

    final class Recorder: NotificationTransport {
        let sent = Mutex<[(url: String, body: JSONValue)]>([])
        let failing = Mutex(false)

        func post(url: String, headers: [(String, String)], body: Data) async throws -> Int {
            if failing.withLock({ $0 }) { throw URLError(.cannotConnectToHost) }
            let value = try NGSIDocument.decode(body)
            sent.withLock { $0.append((url, value)) }
            return 204
        }
    }

    static let principal = Principal(accountID: "ioc-1", username: "ioc", displayName: "IOC operator", grants: [RoleGrant(role: .iocOperator, unitCode: "hue-ioc")],
                                     credential: .accessToken)

    func reading(_ pm25: Double?, temperature: Double? = nil, station: Int = 1) throws -> EntityParser.Parsed {
        var members: [String: JSONValue] = ["id": .string("urn:ngsi-ld:AirQualityObserved:\(station)"), "type": .string("AirQualityObserved"),
                                            "location": .object(["type": .string("GeoProperty"), "value": .object(["type": .string("Point"), "coordinates": .array([.number(107.6), .number(16.4)])])])]
        if let pm25 { members["pm25"] = .number(pm25) }
        if let temperature { members["temperature"] = .number(temperature) }
        return try EntityParser(now: Date()).entity(.object(members))
    }

    @Test func aChangeThatMatchesIsNotifiedOnceAndAFailingSubscriberIsRetriedLater() async throws {
        try await TestDatabase.usingPlatformDatabase { database, _ in
            try await database.migrate(EventLog.migrations() + OperationsModule.brokerMigrations, logger: logger)
            let clock = TestClock()
            let broker = NGSIBroker(database: database, clock: clock.reading)
            let recorder = Recorder()
            let delivery = NotificationDelivery(database: database, transport: recorder, clock: clock.reading)
            let document = try NGSIDocument.decode(Data(#"""
                {"type":"Subscription","entities":[{"type":"AirQualityObserved"}],"watchedAttributes":["pm25"],"q":"pm25>35",
                 "notification":{"attributes":["pm25"],"endpoint":{"uri":"https://alerts.example.vn/pm25","accept":"application/json"}}}
                """#.utf8))
            let subscription = try NGSISubscription.parse(document, id: "urn:ngsi-ld:Subscription:pm25")
            try await broker.subscribe(subscription, by: Self.principal, logger: logger)
            await #expect(throws: NGSIError.self) { try await broker.subscribe(subscription, by: Self.principal, logger: logger) }

            _ = try await broker.write([try reading(12)], operation: .merge(overwrite: true), logger: logger)
            _ = try await broker.write([try reading(50)], operation: .merge(overwrite: true), logger: logger)
            // Temperature alone is not a watched change, though the stored PM2.5 still matches q.
            _ = try await broker.write([try reading(nil, temperature: 31)], operation: .merge(overwrite: true), logger: logger)
            _ = try await broker.write([try reading(60, station: 2), try reading(20, station: 3)], operation: .merge(overwrite: true), logger: logger)
            #expect(try await delivery.deliverDue(logger: logger) == 2)
            let sent = recorder.sent.withLock { $0 }
            #expect(sent.map(\.url) == ["https://alerts.example.vn/pm25", "https://alerts.example.vn/pm25"])
            let data = sent.compactMap { $0.body.object?["data"]?.array?.first?.object }
            #expect(data.map { $0["id"] } == [.string("urn:ngsi-ld:AirQualityObserved:1"), .string("urn:ngsi-ld:AirQualityObserved:2")])
            #expect(data.allSatisfy { Set($0.keys) == ["id", "type", "pm25"] })
            #expect(sent.first?.body.object?["type"] == .string("Notification"))
            #expect(sent.first?.body.object?["subscriptionId"] == .string("urn:ngsi-ld:Subscription:pm25"))
            #expect(sent.first?.body.object?["id"]?.string?.hasPrefix("urn:ngsi-ld:Notification:") == true)
            #expect(try await delivery.deliverDue(logger: logger) == 0)

            // The subscriber goes down: writes carry on, the notification waits 2 s, then 10 s, and arrives once it is back.
            recorder.failing.withLock { $0 = true }
            _ = try await broker.write([try reading(70)], operation: .merge(overwrite: true), logger: logger)
            #expect(try await delivery.deliverDue(logger: logger) == 0)
            clock.advance(by: 1)
            #expect(try await delivery.deliverDue(logger: logger) == 0)
            let attempts = try await database.sql(logger: logger).raw("SELECT attempts, state FROM ngsi_notifications WHERE state = 'pending'").all()
            #expect(try attempts.map { try $0.decode(column: "attempts", as: Int.self) } == [1])
            var shown = try await broker.subscriptionDocuments(id: subscription.id, limit: 1, offset: 0, logger: logger).first?.object?["notification"]?.object
            #expect(shown?["status"] == .string("failed") && shown?["timesSent"] == .number(2))
            recorder.failing.withLock { $0 = false }
            clock.advance(by: 1.5)
            #expect(try await delivery.deliverDue(logger: logger) == 1)
            shown = try await broker.subscriptionDocuments(id: subscription.id, limit: 1, offset: 0, logger: logger).first?.object?["notification"]?.object
            #expect(shown?["status"] == .string("ok") && shown?["timesSent"] == .number(3))

            try await broker.unsubscribe(subscription.id, by: Self.principal, logger: logger)
            _ = try await broker.write([try reading(90)], operation: .merge(overwrite: true), logger: logger)
            #expect(try await delivery.deliverDue(logger: logger) == 0)
            // On PostgreSQL, events wait in the inbox until they are chained.
            let sql = try database.sql(logger: logger)
            let table = sql.dialect.name == "postgresql" ? "event_inbox" : "event_log"
            let events = try await sql.raw("SELECT type FROM \(ident: table) ORDER BY occurred_at_ms").all().map { try $0.decode(column: "type", as: String.self) }
            #expect(events.sorted() == ["operations.subscription.created", "operations.subscription.deleted"])
        }
    }

    @Test func subscriptionsThatCannotBeServedAreRefusedWithTheReason() throws {
        for text in [#"{"type":"Subscription","notification":{"endpoint":{"uri":"https://x.vn"}}}"#,
                     #"{"type":"Subscription","entities":[{"type":"T"}],"notification":{"endpoint":{"uri":"ftp://x.vn/a"}}}"#,
                     #"{"type":"Subscription","entities":[{"type":"T"}],"notification":{"endpoint":{"uri":"https://user:pw@x.vn/a"}}}"#,
                     #"{"type":"Subscription","entities":[{"type":"T"}],"q":"a~=\"x\"","notification":{"endpoint":{"uri":"https://x.vn"}}}"#,
                     #"{"type":"Subscription","entities":[{"type":"T","idPattern":"urn:(a|b).*"}],"notification":{"endpoint":{"uri":"https://x.vn"}}}"#,
                     #"{"type":"Subscription","entities":[{"type":"T"}],"throttling":5,"notification":{"endpoint":{"uri":"https://x.vn"}}}"#,
                     #"{"type":"Entity","entities":[{"type":"T"}],"notification":{"endpoint":{"uri":"https://x.vn"}}}"#,
                     #"{"type":"Subscription","entities":[{"type":"T"}],"notification":{"endpoint":{"uri":"https://x.vn","receiverInfo":[{"key":"Authorization","value":"s"}]}}}"#,
                     #"{"type":"Subscription","entities":[{"type":"T"}],"notification":{"endpoint":{"uri":"https://:secret@x.vn/a"}}}"#] {
            #expect(throws: NGSIError.self, "\(text)") { try NGSISubscription.parse(try NGSIDocument.decode(Data(text.utf8)), id: "urn:s:1") }
        }
        let prefixed = try NGSISubscription.parse(try NGSIDocument.decode(Data(#"""
            {"type":"Subscription","entities":[{"type":"T","idPattern":"^urn:ngsi-ld:T:hue-.*$"}],"notification":{"endpoint":{"uri":"https://x.vn"}}}
            """#.utf8)), id: "urn:s:1")
        #expect(prefixed.selectors.first?.idPrefix == "urn:ngsi-ld:T:hue-")
    }
}
