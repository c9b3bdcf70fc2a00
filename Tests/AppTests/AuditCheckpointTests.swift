import App
import Foundation
import HuesTestSupport
import Logging
@testable import Platform
import Signatures
import SQLKit
import Testing

/// Signed checkpoints: what catches an intruder who rewrites the event log *and* its recorded head, which the chain
/// alone cannot.
@Suite struct AuditCheckpointTests {
    let logger = Logger(label: "test")

    /// What someone with write access to the database could do: change entry 3, then recompute every later hash
    /// and the head, so the chain verifies again.
    func rewriteHistory(from seq: Int, database: PlatformDatabase) async throws {
        let sql = try database.sql(logger: logger)
        try await sql.raw("UPDATE event_log SET actor_name = 'someone else' WHERE seq = \(bind: seq)").run()
        let rows = try await sql.raw("""
            SELECT seq, occurred_at_ms, type, actor_id, actor_name, unit_code, subject, payload, prev_hash FROM event_log WHERE seq >= \(bind: seq) ORDER BY seq
            """).all()
        var previous = try rows[0].decode(column: "prev_hash", as: String.self)
        for row in rows {
            let number = try row.decode(column: "seq", as: Int.self)
            let fields = ChainedEntry.Fields(
                occurredAtMilliseconds: try row.decode(column: "occurred_at_ms", as: Int64.self), type: try row.decode(column: "type", as: String.self),
                actorID: try row.decode(column: "actor_id", as: String?.self), actorName: try row.decode(column: "actor_name", as: String?.self),
                unitCode: try row.decode(column: "unit_code", as: String?.self), subject: try row.decode(column: "subject", as: String?.self),
                payload: try row.decode(column: "payload", as: String.self))
            let hash = EventLog.hash(seq: number, fields, previousHash: previous)
            try await sql.raw("UPDATE event_log SET prev_hash = \(bind: previous), hash = \(bind: hash) WHERE seq = \(bind: number)").run()
            previous = hash
        }
        try await sql.raw("UPDATE event_chain SET last_hash = \(bind: previous) WHERE id = 1").run()
    }

    @Test func aRewrittenLogWithAHonestLookingHeadFailsAgainstTheCheckpoints() async throws {
        try await TestApp.run { client, runtime in
            let kernel = try runtime.require(PlatformKernelModule.self)
            let first = try #require(try await kernel.signCheckpoint(logger: logger))
            #expect(try await kernel.signCheckpoint(logger: logger)?.seq ?? first.seq > first.seq, "the signature itself is a new entry")
            #expect(try await client.send(.post, "/api/v1/auth/token", json: #"{"username":"citizen","password":"demo-citizen-2026"}"#).status == .ok)
            let second = try #require(try await kernel.signCheckpoint(logger: logger))

            // Anyone may keep copies: the list is public.
            let published = try client.json([SignedCheckpoint].self, try await client.send(.get, "/api/v1/audit/checkpoints"))
            #expect(published.map(\.seq).last == second.seq)
            #expect(try client.json(SignedCheckpoint.self, try await client.send(.get, "/api/v1/audit/checkpoints/latest")) == second)

            // An independent verifier: OpenSSL checks the CMS signature against the city's root.
            let signatures = try runtime.require(SignaturesModule.self)
            let root = try #require(try await signatures.authority.authorityCertificate("root", logger: logger))
            let folder = try ExternalTool.scratchFolder()
            try ExternalTool.write(root, to: folder + "/root.der")
            _ = try await ExternalTool.run(["openssl", "x509", "-inform", "DER", "-in", "root.der", "-out", "root.pem"], in: folder)
            try ExternalTool.write(Array(second.statement.utf8), to: folder + "/statement.json")
            try ExternalTool.write(Array(try #require(Data(base64Encoded: second.signature))), to: folder + "/statement.p7s")
            let openssl = try await ExternalTool.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "statement.p7s",
                                                "-content", "statement.json", "-CAfile", "root.pem", "-purpose", "any", "-out", "/dev/null"], in: folder)
            #expect(openssl.status == 0 && openssl.error.contains("Verification successful"), "\(openssl.error)")

            let (valid, refused) = try await CheckpointVerification.check(published, trustedRoot: root, signing: signatures.signing, logger: logger)
            #expect(refused.isEmpty && valid.count == published.count, "\(refused)")
            let db = try runtime.database.db(logger: logger)
            #expect(try await EventLog.verify(against: valid, city: "hue", on: db).isEmpty)

            try await rewriteHistory(from: 3, database: runtime.database)
            #expect(try await EventLog.verify(on: db).isIntact, "the chain alone cannot see it")
            let found = try await EventLog.verify(against: valid, city: "hue", on: db)
            #expect(!found.isEmpty && found.allSatisfy { $0.contains("rewritten") }, "\(found)")

            // A forged checkpoint (the statement changed after signing) is refused, not believed.
            var forged = second
            forged.statement = forged.statement.replacingOccurrences(of: "\"seq\":\(second.seq)", with: "\"seq\":\(second.seq - 1)")
            let (_, forgedRefused) = try await CheckpointVerification.check([forged], trustedRoot: root, signing: signatures.signing, logger: logger)
            #expect(forgedRefused.count == 1)
        }
    }
}
