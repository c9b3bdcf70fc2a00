import Crypto
import FluentKit
import Foundation
import Logging
import Platform

/// `Idempotency-Key` handling for writes that clients retry (GOV.UK Pay, Stripe).
///
/// Same key, same caller, same endpoint and same body: the stored response again. A different body: 409. A request
/// still running under the key: 409, so two retries never both act. A request that fails stores nothing, so the
/// client may fix it and retry under the same key. Keys are kept 48 hours.
public struct IdempotencyKeys: Sendable {
    let database: PlatformDatabase

    public init(database: PlatformDatabase) {
        self.database = database
    }

    public struct StoredResponse: Sendable, Equatable {
        public var status: Int
        public var body: String
        public var location: String?
        public var replayed: Bool

        public init(status: Int, body: String, location: String?, replayed: Bool = false) {
            self.status = status
            self.body = body
            self.location = location
            self.replayed = replayed
        }
    }

    public static func isValid(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
    }

    /// JSON bodies are compared by meaning (key order and spacing do not matter); anything else byte for byte.
    static func fingerprint(_ body: Data) -> String {
        var canonical = body
        if let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
           let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) {
            canonical = data
        }
        return SHA256.hash(data: canonical).hexString
    }

    public func run(key: String?, scope: String, endpoint: String, body: Data, logger: Logger,
                    _ work: @Sendable () async throws -> StoredResponse) async throws -> StoredResponse {
        guard let key else { return try await work() }
        guard Self.isValid(key) else {
            throw Problem.validation([.init(field: "Idempotency-Key", message: "1 to 255 characters: letters, digits and '-'")])
        }
        let hash = Self.fingerprint(body)
        let claim: UUID
        do {
            claim = try await database.write(logger: logger) { db in
                if let existing = try await Self.find(scope: scope, endpoint: endpoint, key: key, on: db) {
                    throw try Self.answer(existing, hash: hash)
                }
                let record = IdempotencyRecord()
                record.id = UUID()
                record.scope = scope
                record.endpoint = endpoint
                record.key = key
                record.bodyHash = hash
                record.state = "in_flight"
                record.createdAt = Date()
                try await record.create(on: db)
                return try record.requireID()
            }
        } catch let replay as Replay {
            return replay.response
        } catch let problem as Problem {
            throw problem
        } catch {
            // PostgreSQL: a concurrent request inserted the same key first (unique violation). Answer as it stands now.
            guard let existing = try await Self.find(scope: scope, endpoint: endpoint, key: key, on: try database.db(logger: logger)) else { throw error }
            do { throw try Self.answer(existing, hash: hash) } catch let replay as Replay { return replay.response }
        }
        let response: StoredResponse
        do {
            response = try await work()
        } catch {
            // The work failed: release the claim so the client may fix the request and retry under the same key. If the
            // claim cannot be released, say so (retries get 409 until the key expires) and report the work's own error.
            do {
                try await database.write(logger: logger) { db in
                    if let record = try await IdempotencyRecord.find(claim, on: db) {
                        try await record.delete(on: db)
                    }
                }
            } catch let releaseError {
                logger.error("idempotency claim not released after a failed request", metadata: [
                    "key": .string(key), "claim": .string(claim.uuidString), "scope": .string(scope), "endpoint": .string(endpoint),
                    "error": "\(releaseError)", "requestError": "\(error)",
                ])
            }
            throw error
        }
        // The work is done: from here the claim is never deleted, so a retry cannot run it a second time.
        try await database.write(logger: logger) { db in
            guard let record = try await IdempotencyRecord.find(claim, on: db) else {
                logger.error("idempotency claim vanished while its request ran", metadata: [
                    "key": .string(key), "claim": .string(claim.uuidString), "scope": .string(scope), "endpoint": .string(endpoint),
                ])
                throw Problem.internal()
            }
            record.state = "done"
            record.statusCode = response.status
            record.responseBody = response.body
            record.location = response.location
            try await record.update(on: db)
        }
        return response
    }

    struct Replay: Error {
        var response: StoredResponse
    }

    static func find(scope: String, endpoint: String, key: String, on db: any Database) async throws -> IdempotencyRecord? {
        try await IdempotencyRecord.query(on: db).filter(\.$scope == scope).filter(\.$endpoint == endpoint).filter(\.$key == key).first()
    }

    /// What a repeated key gets: the stored response (thrown as `Replay`) or a conflict.
    static func answer(_ existing: IdempotencyRecord, hash: String) throws -> any Error {
        guard existing.bodyHash == hash else {
            return Problem(status: .conflict, type: "idempotency-key-reused", title: "Idempotency key reused",
                           detail: "This Idempotency-Key was used with a different request body.")
        }
        guard existing.state == "done", let status = existing.statusCode else {
            return Problem(status: .conflict, type: "idempotency-key-in-flight", title: "Request in progress",
                           detail: "A request with this Idempotency-Key is still being processed; retry shortly.")
        }
        return Replay(response: StoredResponse(status: status, body: existing.responseBody ?? "", location: existing.location, replayed: true))
    }
}
