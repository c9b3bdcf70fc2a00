import Foundation
import HTTPTypes
import Notices
import Platform
import SQLKit
import HuesTestSupport
import Testing

@testable import App

/// Several instances share the notice queue: a delivery claimed by an instance that died mid-send is sent by another
/// once its claim has lapsed, exactly once, and not before.
@Suite struct NoticeTakeoverTests {
    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1"))
    func aDeliveryLeftSendingByADeadInstanceIsSentOnceByAnotherAfterTenMinutes() async throws {
        try await TestMailServer.running { server in try await TestApp.run(configure: { $0.smtpHost = "127.0.0.1"; $0.smtpPort = server.port }) { client, runtime in
            let registered = try await client.send(.post, "/api/v1/accounts/register",
                                                   json: #"{"username":"mai.ho","displayName":"Hồ Thị Mai","password":"a-long-password","email":"mai@example.vn"}"#)
            #expect(registered.status == .created)
            // Another instance claims the welcome email (as its claim does) and dies before sending it.
            let sql = try runtime.database.sql(logger: runtime.logger)
            let account = try #require(try await runtime.identity.accounts.find(username: "mai.ho", logger: runtime.logger))
            let hers: SQLQueryString = "channel = 'email' AND notice_id IN (SELECT id FROM notices WHERE account_id = \(bind: account.id.uuidString))"
            let claimedAt = Date()
            let claimed = try await sql.raw("""
                UPDATE notice_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = \(bind: claimedAt)
                WHERE status = 'created' AND \(hers) RETURNING id
                """).all()
            #expect(claimed.count == 1)
            let survivor = (try runtime.require(NoticesModule.self)).delivery()
            // While the claim is fresh the survivor leaves it alone: the other instance may still be sending.
            try await survivor.deliverDue(now: claimedAt.addingTimeInterval(9 * 60), logger: runtime.logger)
            #expect(!server.received.contains("<mai@example.vn>"))
            // Past ten minutes it is due again, and sent once.
            #expect(try await survivor.deliverDue(now: claimedAt.addingTimeInterval(11 * 60), logger: runtime.logger) >= 1)
            try await survivor.deliverDue(now: claimedAt.addingTimeInterval(12 * 60), logger: runtime.logger)
            #expect(server.received.components(separatedBy: "<mai@example.vn>").count - 1 == 1, "one message")
            let row = try #require(try await sql.raw("SELECT status, attempts FROM notice_deliveries WHERE \(hers)").first())
            #expect(try row.decode(column: "status", as: String.self) == "delivered")
            #expect(try row.decode(column: "attempts", as: Int.self) == 2, "the dead instance's attempt counts")
        } }
    }
}
