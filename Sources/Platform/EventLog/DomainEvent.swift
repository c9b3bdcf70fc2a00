import Foundation

/// Something that happened in the city's administration, as the event log records it.
///
/// `type` is dotted and past tense (`identity.account.created`); `payload` is canonical JSON (sorted keys) so the
/// same event always hashes the same way.
public struct DomainEvent: Sendable {
    public var type: String
    public var actorID: String?
    public var actorName: String?
    public var unitCode: String?
    public var subject: String?
    public var payload: String
    public var occurredAt: Date

    public init<Payload: Encodable>(
        type: String, actorID: String? = nil, actorName: String? = nil, unitCode: String? = nil, subject: String? = nil,
        payload: Payload, occurredAt: Date = Date()
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        self.init(
            type: type, actorID: actorID, actorName: actorName, unitCode: unitCode, subject: subject,
            rawPayload: String(decoding: try encoder.encode(payload), as: UTF8.self), occurredAt: occurredAt
        )
    }

    public init(
        type: String, actorID: String? = nil, actorName: String? = nil, unitCode: String? = nil, subject: String? = nil,
        rawPayload: String = "{}", occurredAt: Date = Date()
    ) {
        self.type = type
        self.actorID = actorID
        self.actorName = actorName
        self.unitCode = unitCode
        self.subject = subject
        self.payload = rawPayload
        self.occurredAt = occurredAt
    }
}

/// An event as stored: its place in the chain and the hash that seals it.
public struct LoggedEvent: Sendable, Codable, Equatable {
    public var seq: Int
    public var occurredAt: Date
    public var type: String
    public var actorID: String?
    public var actorName: String?
    public var unitCode: String?
    public var subject: String?
    public var payload: String
    public var previousHash: String
    public var hash: String
}
