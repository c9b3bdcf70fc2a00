import Crypto
import FluentKit
import Foundation
import Logging
import NIOCore
import Platform
import SQLKit

/// Payment events waiting to be sent to subscribed city services, written in the same transaction as the change
/// they describe (an outbox), so a crash can delay a webhook but never lose or invent one.
public struct WebhookOutbox: Sendable {
    public static let eventTypes = ["invoice.created", "invoice.cancelled", "payment.succeeded", "payment.failed", "payment.refunded"]

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    public init() {}

    struct Envelope<Data: Encodable>: Encodable {
        var id: String
        var type: String
        var createdAt: Date
        var data: Data
    }

    /// Queues one delivery per active subscription to `type`, in the caller's transaction (plain SQL: every payment passes here).
    func enqueue<Payload: Encodable & Sendable>(_ type: String, data: Payload, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
        let subscriptions = try await sql.raw("SELECT id, events FROM payment_webhook_subscriptions WHERE active = \(bind: true)").all()
            .filter { try $0.decode(column: "events", as: String.self).split(separator: ",").contains { $0 == type } }
            .map { try $0.decode(column: "id", as: UUID.self) }
        guard !subscriptions.isEmpty else { return }
        let eventID = UUID().uuidString.lowercased()
        let now = Date()
        let body = String(decoding: try Self.encoder.encode(Envelope(id: eventID, type: type, createdAt: now, data: data)), as: UTF8.self)
        for subscription in subscriptions {
            try await sql.raw("""
                INSERT INTO payment_webhook_deliveries (id, subscription_id, event_id, event_type, body, state, attempts, next_attempt_at, created_at, \
                updated_at) VALUES (\(bind: UUID()), \(bind: subscription), \(bind: eventID), \(bind: type), \(bind: body), 'pending', 0, \(bind: now), \
                \(bind: now), \(bind: now))
                """).run()
        }
    }
}

public struct NewWebhookSubscription: Codable, Sendable {
    public var service: String
    public var url: String
    public var events: [String]
}

public struct WebhookSubscriptionView: Codable, Sendable {
    public var id: UUID
    public var service: String
    public var url: String
    public var events: [String]
    public var active: Bool
    public var createdAt: Date
    /// Shown once, when the subscription is created: the key the service checks `Pay-Signature` with.
    public var signingKey: String?
}

public struct WebhookDeliveryView: Codable, Sendable {
    public var id: UUID
    public var eventId: String
    public var eventType: String
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastStatus: Int?
    public var lastError: String?
    public var createdAt: Date
}

/// How a webhook leaves the building: HTTP in production, a recorder in tests.
public protocol WebhookTransport: Sendable {
    /// POSTs `body` with `headers` and returns the HTTP status.
    func post(url: String, headers: [(String, String)], body: Data) async throws -> Int
}

/// Webhooks over HTTP, through the platform's vetted outbound POST (no private addresses, no redirects).
public struct HTTPWebhookTransport: WebhookTransport {
    let http: OutboundHTTP

    public init(policy: OutboundPolicy) {
        self.http = OutboundHTTP(policy: policy)
    }

    public func post(url: String, headers: [(String, String)], body: Data) async throws -> Int {
        try await exchange(url: url, headers: headers, body: body).status
    }

    /// POSTs and reads the answer; also how the bank simulator talks to a server.
    func exchange(url: String, headers: [(String, String)], body: Data) async throws -> (status: Int, body: String) {
        try await http.post(url: url, headers: headers, body: body)
    }
}

/// Subscriptions and the sending of webhooks: HMAC-SHA256 of the raw body in `Pay-Signature`, retried after
/// 60 s, 5 min, 1 h, 1 day and 2 days (GOV.UK Pay's schedule), then given up as failed.
public struct WebhookSender: Sendable {
    public static let retrySchedule: [TimeInterval] = [60, 300, 3600, 86_400, 172_800]
    public static let signatureHeader = "Pay-Signature"

    let database: PlatformDatabase
    let secrets: SecretBox
    let registry: (any ServiceRegistry)?
    let transport: any WebhookTransport
    let policy: OutboundPolicy

    /// `transport` defaults to HTTP under `policy`; tests give one of their own.
    public init(database: PlatformDatabase, secrets: SecretBox, registry: (any ServiceRegistry)?, policy: OutboundPolicy = OutboundPolicy(allowedPrivateNetworks: []),
                transport: (any WebhookTransport)? = nil) {
        self.database = database
        self.secrets = secrets
        self.registry = registry
        self.policy = policy
        self.transport = transport ?? HTTPWebhookTransport(policy: policy)
    }

    /// Why `url` may not receive webhooks, or nil: not http(s), user info in it, or a name resolving to a private
    /// address. A name that does not resolve yet is accepted here; every delivery checks again before connecting.
    func urlProblem(_ url: String) async -> String? {
        do {
            let host = try policy.host(of: url)
            if let refused = await OutboundPolicy.resolve(host).first(where: { !policy.permits(address: $0) }) {
                return "'\(host)' is \(refused), a private or reserved address; webhooks go to public addresses only"
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    public func subscribe(_ new: NewWebhookSubscription, by principal: Principal, logger: Logger) async throws -> WebhookSubscriptionView {
        var errors: [Problem.FieldError] = []
        // Only services in the catalogue receive payment events; without the catalogue, nobody can be checked, so nobody does.
        guard let registry else { throw Problem.conflict("Webhooks go only to services in the catalogue, and the catalogue is off on this platform.") }
        if try await !registry.isRegistered(new.service, logger: logger) {
            errors.append(.init(field: "service", message: "no service '\(new.service)' in the catalogue"))
        }
        if new.url.count > 500 { errors.append(.init(field: "url", message: "at most 500 characters")) } else if let problem = await urlProblem(new.url) {
            errors.append(.init(field: "url", message: problem))
        }
        let unknown = new.events.filter { !WebhookOutbox.eventTypes.contains($0) }
        if new.events.isEmpty || !unknown.isEmpty {
            errors.append(.init(field: "events", message: "one or more of \(WebhookOutbox.eventTypes.joined(separator: ", "))"))
        }
        guard errors.isEmpty else { throw Problem.unprocessable(errors) }
        let key = TokenGenerator.make(bytes: 32)
        let record = WebhookSubscriptionRecord()
        record.id = UUID()
        record.serviceCode = new.service
        record.url = new.url
        record.sealedSecret = try secrets.seal(Data(key.utf8), purpose: "payments.webhook")
        record.events = Set(new.events).sorted().joined(separator: ",")
        record.active = true
        record.createdAt = Date()
        try await database.write(logger: logger) { db in
            try await record.create(on: db)
            try await EventLog.append(DomainEvent(type: "payments.webhook.subscribed", actorID: principal.accountID, actorName: principal.displayName,
                                                  subject: new.service), on: db)
        }
        var view = try Self.view(record)
        view.signingKey = key
        return view
    }

    public func subscriptions(logger: Logger) async throws -> [WebhookSubscriptionView] {
        try await WebhookSubscriptionRecord.query(on: try database.db(logger: logger)).sort(\.$createdAt, .ascending).all().map { try Self.view($0) }
    }

    public func unsubscribe(_ id: UUID, by principal: Principal, logger: Logger) async throws {
        try await database.write(logger: logger) { db in
            guard let record = try await WebhookSubscriptionRecord.find(id, on: db) else { throw Problem.notFound("No subscription \(id).") }
            record.active = false
            try await record.update(on: db)
            try await EventLog.append(DomainEvent(type: "payments.webhook.unsubscribed", actorID: principal.accountID, actorName: principal.displayName,
                                                  subject: record.serviceCode), on: db)
        }
    }

    public func deliveries(of subscription: UUID, limit: Int, logger: Logger) async throws -> [WebhookDeliveryView] {
        try await WebhookDeliveryRecord.query(on: try database.db(logger: logger)).filter(\.$subscriptionID == subscription)
            .sort(\.$createdAt, .descending).limit(limit).all().map { try Self.view($0) }
    }

    /// Sends the event again as a new delivery (the log keeps the old one).
    public func replay(_ id: UUID, logger: Logger) async throws -> WebhookDeliveryView {
        try await database.write(logger: logger) { db in
            guard let old = try await WebhookDeliveryRecord.find(id, on: db) else { throw Problem.notFound("No delivery \(id).") }
            let now = Date()
            let copy = WebhookDeliveryRecord()
            copy.id = UUID()
            copy.subscriptionID = old.subscriptionID
            copy.eventID = old.eventID
            copy.eventType = old.eventType
            copy.body = old.body
            copy.state = "pending"
            copy.attempts = 0
            copy.nextAttemptAt = now
            copy.createdAt = now
            copy.updatedAt = now
            try await copy.create(on: db)
            return try Self.view(copy)
        }
    }

    /// Sends every delivery that is due; returns how many were attempted.
    @discardableResult
    public func deliverDue(now: Date = Date(), limit: Int = 50, logger: Logger) async throws -> Int {
        let db = try database.db(logger: logger)
        let due = try await WebhookDeliveryRecord.query(on: db).filter(\.$state == "pending").filter(\.$nextAttemptAt <= now)
            .sort(\.$nextAttemptAt, .ascending).limit(limit).all()
        var targets: [UUID: Target] = [:]
        var claimed: [(WebhookDeliveryRecord, Target)] = []
        for delivery in due {
            if targets[delivery.subscriptionID] == nil, let subscription = try await WebhookSubscriptionRecord.find(delivery.subscriptionID, on: db) {
                let key = try secrets.open(subscription.sealedSecret, purpose: "payments.webhook")
                targets[delivery.subscriptionID] = Target(url: subscription.url, key: SymmetricKey(data: key), active: subscription.active)
            }
            guard let target = targets[delivery.subscriptionID] else {
                // The subscription is gone: this delivery can never be sent. Give it up rather than leave it pending for ever.
                try await giveUp(delivery, reason: "subscription \(delivery.subscriptionID.uuidString.lowercased()) no longer exists", logger: logger)
                continue
            }
            // Claim the delivery before sending, so another instance's sweep does not send it too.
            let won = try await database.write(logger: logger) { db -> Bool in
                guard let sql = db as? any SQLDatabase else {
                    logger.error("webhook deliveries need an SQL database to be claimed")
                    throw Problem.internal()
                }
                return !(try await sql.raw("""
                    UPDATE payment_webhook_deliveries SET next_attempt_at = \(bind: now.addingTimeInterval(120)) WHERE id = \(bind: delivery.id)
                    AND state = 'pending' AND next_attempt_at <= \(bind: now) RETURNING id
                    """).all()).isEmpty
            }
            if won { claimed.append((delivery, target)) }
        }
        // Sent side by side, at most `parallelSends` at once, so one slow subscriber does not hold up the others.
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for (delivery, target) in claimed {
                if inFlight == Self.parallelSends {
                    try await group.next()
                    inFlight -= 1
                }
                group.addTask { try await self.attempt(delivery, target: target, now: now, logger: logger) }
                inFlight += 1
            }
            try await group.waitForAll()
        }
        return due.count
    }

    static let parallelSends = 8

    /// Marks a pending delivery that can never be sent as given up, with the reason, and says so in the log.
    func giveUp(_ delivery: WebhookDeliveryRecord, reason: String, logger: Logger) async throws {
        let id = try delivery.requireID()
        logger.warning("webhook delivery given up", metadata: [
            "delivery": .string(id.uuidString), "subscription": .string(delivery.subscriptionID.uuidString),
            "event": .string(delivery.eventID), "reason": .string(reason),
        ])
        try await database.write(logger: logger) { db in
            guard let row = try await WebhookDeliveryRecord.find(id, on: db), row.state == "pending" else { return }
            row.state = "will_not_send"
            row.lastError = reason
            row.updatedAt = Date()
            try await row.update(on: db)
        }
    }

    struct Target: Sendable {
        var url: String
        var key: SymmetricKey
        var active: Bool
    }

    /// Sends one claimed delivery and records how it went, scheduling the next try when it failed.
    func attempt(_ delivery: WebhookDeliveryRecord, target: Target, now: Date, logger: Logger) async throws {
        var status: Int?
        var failure: String?
        if target.active {
            do { status = try await send(delivery, to: target.url, key: target.key) } catch { failure = String(describing: error).prefix(300).description }
        } else {
            failure = "subscription cancelled"
        }
        let delivered = status.map { (200..<300).contains($0) } ?? false
        let attempts = delivery.attempts + 1
        let (answered, error) = (status, failure)
        try await database.write(logger: logger) { db in
            guard let row = try await WebhookDeliveryRecord.find(delivery.id, on: db) else {
                logger.error("webhook delivery vanished before its attempt was recorded", metadata: [
                    "delivery": .string(delivery.id?.uuidString ?? "(no id)"), "delivered": .string(String(delivered)),
                ])
                return
            }
            row.attempts = attempts
            row.lastStatus = answered
            row.lastError = delivered ? nil : (error ?? "HTTP \(answered ?? 0)")
            row.updatedAt = Date()
            if delivered {
                row.state = "successful"
            } else if !target.active {
                row.state = "will_not_send"
            } else if attempts > Self.retrySchedule.count {
                row.state = "failed"
            } else {
                row.nextAttemptAt = now.addingTimeInterval(Self.retrySchedule[attempts - 1])
            }
            try await row.update(on: db)
        }
    }

    func send(_ delivery: WebhookDeliveryRecord, to url: String, key: SymmetricKey) async throws -> Int {
        let body = Data(delivery.body.utf8)
        return try await transport.post(url: url, headers: [("Content-Type", "application/json"), (Self.signatureHeader, Self.signature(body, key: key)),
                                                            ("User-Agent", "HueS-Webhooks/1")], body: body)
    }

    public static func signature(_ body: Data, key: SymmetricKey) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: key).hexString
    }

    static func view(_ record: WebhookSubscriptionRecord) throws -> WebhookSubscriptionView {
        WebhookSubscriptionView(id: try record.requireID(), service: record.serviceCode, url: record.url, events: record.events.split(separator: ",").map(String.init),
                                active: record.active, createdAt: record.createdAt, signingKey: nil)
    }

    static func view(_ record: WebhookDeliveryRecord) throws -> WebhookDeliveryView {
        WebhookDeliveryView(id: try record.requireID(), eventId: record.eventID, eventType: record.eventType, state: record.state, attempts: record.attempts,
                            nextAttemptAt: record.nextAttemptAt, lastStatus: record.lastStatus, lastError: record.lastError, createdAt: record.createdAt)
    }
}
