import FluentKit
import Foundation

/// One row of `event_log`. `seq` is assigned by the appender (not the database) because it is part of the hash.
final class EventRecord: Model, @unchecked Sendable {
    static let schema = "event_log"

    @ID(custom: "seq", generatedBy: .user) var id: Int?
    @Field(key: "occurred_at_ms") var occurredAtMilliseconds: Int64
    @Field(key: "type") var type: String
    @OptionalField(key: "actor_id") var actorID: String?
    @OptionalField(key: "actor_name") var actorName: String?
    @OptionalField(key: "unit_code") var unitCode: String?
    @OptionalField(key: "subject") var subject: String?
    @Field(key: "payload") var payload: String
    @Field(key: "prev_hash") var previousHash: String
    @Field(key: "hash") var hash: String

    init() {}

    var logged: LoggedEvent {
        LoggedEvent(
            seq: id ?? 0, occurredAt: Date(timeIntervalSince1970: Double(occurredAtMilliseconds) / 1000), type: type,
            actorID: actorID, actorName: actorName, unitCode: unitCode, subject: subject, payload: payload,
            previousHash: previousHash, hash: hash
        )
    }
}

/// The single row that names the chain's last link; locking it serialises appenders across app instances.
final class EventChainHead: Model, @unchecked Sendable {
    static let schema = "event_chain"

    @ID(custom: "id", generatedBy: .user) var id: Int?
    @Field(key: "last_seq") var lastSeq: Int
    @Field(key: "last_hash") var lastHash: String

    init() {}

    init(id: Int, lastSeq: Int, lastHash: String) {
        self.id = id
        self.lastSeq = lastSeq
        self.lastHash = lastHash
    }
}

/// How far a named consumer (KPIs, dashboards, notices…) has read the log.
final class EventCursorRecord: Model, @unchecked Sendable {
    static let schema = "event_cursors"

    @ID(custom: "consumer", generatedBy: .user) var id: String?
    @Field(key: "position") var position: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

struct CreateEventLog: AsyncMigration {
    var name: String { "platform.create-event-log" }

    func prepare(on database: any Database) async throws {
        try await database.schema(EventRecord.schema)
            .field("seq", .int64, .identifier(auto: false))
            .field("occurred_at_ms", .int64, .required)
            .field("type", .string, .required)
            .field("actor_id", .string)
            .field("actor_name", .string)
            .field("unit_code", .string)
            .field("subject", .string)
            .field("payload", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .create()
        try await database.schema(EventChainHead.schema)
            .field("id", .int, .identifier(auto: false))
            .field("last_seq", .int64, .required)
            .field("last_hash", .string, .required)
            .create()
        try await EventChainHead(id: 1, lastSeq: 0, lastHash: EventLog.genesisHash).create(on: database)
        try await database.schema(EventCursorRecord.schema)
            .field("consumer", .string, .identifier(auto: false))
            .field("position", .int64, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(EventCursorRecord.schema).delete()
        try await database.schema(EventChainHead.schema).delete()
        try await database.schema(EventRecord.schema).delete()
    }
}
