import App
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import HuesTestSupport
import HummingbirdTesting
import Logging
import Notices
import Platform
import Testing

/// A real SMTP server (aiosmtpd) writing what it receives to an mbox file.
final class TestMailServer: @unchecked Sendable {
    let port: Int
    let mailbox: String
    let process: ChildProcess

    init() async throws {
        try await ExternalTool.requirePythonModule("aiosmtpd", package: "aiosmtpd")
        port = Int.random(in: 30_000...60_000)
        mailbox = FileManager.default.temporaryDirectory.appendingPathComponent("hues-maildir-\(UUID())").path
        process = try ChildProcess.start("/usr/bin/env", ["python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c",
                                                          "aiosmtpd.handlers.Mailbox", mailbox],
                                         environment: ProcessInfo.processInfo.environment)
    }

    /// Waits until the server answers.
    func ready() async throws {
        for _ in 0..<100 {
            if (try? await SMTPProbe.connect(port: port)) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the SMTP server did not start")
    }

    /// Every message received so far (aiosmtpd's Mailbox handler writes a Maildir).
    var received: String {
        ["new", "cur"].flatMap { folder -> [String] in
            let path = mailbox + "/" + folder
            return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).compactMap {
                try? String(contentsOfFile: path + "/" + $0, encoding: .utf8)
            }
        }.joined(separator: "\n")
    }

    /// A started server for `body`, stopped afterwards whatever happens.
    static func running(_ body: (TestMailServer) async throws -> Void) async throws {
        let server = try await TestMailServer()
        defer { server.stop() }
        try await server.ready()
        try await body(server)
    }

    /// Stops the server now. aiosmtpd ignores SIGTERM, so a plain terminate left one Python process behind per run.
    func stop() {
        process.signal(SIGKILL)
        _ = process.waitUntilExit()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: mailbox)
    }
}

enum SMTPProbe {
    static func connect(port: Int) async throws -> Bool {
        try await ExternalTool.offTheTaskPool { try connectWaiting(port: port) }
    }

    static func connectWaiting(port: Int) throws -> Bool {
        let socket = try ChildProcess.start("/usr/bin/env", ["python3", "-c", "import socket; socket.create_connection(('127.0.0.1', \(port)), 1).close()"],
                                            environment: ProcessInfo.processInfo.environment)
        return socket.waitUntilExit() == 0
    }
}

/// The decoded text of every `=?UTF-8?B?…?=` word in a header line.
func decodedSubjects(_ mbox: String) -> [String] {
    mbox.components(separatedBy: "\n").filter { $0.hasPrefix("Subject: ") }.map { line in
        line.dropFirst("Subject: ".count).components(separatedBy: " ").compactMap { word -> String? in
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return word }
            return Data(base64Encoded: String(word.dropFirst(10).dropLast(2))).flatMap { String(data: $0, encoding: .utf8) }
        }.joined()
    }
}

@Suite struct NoticesTests {
    @Test func anInboxPerAccount() async throws {
        try await TestApp.run { client, _ in
            let registered = try await client.send(.post, "/api/v1/accounts/register",
                                                   json: #"{"username":"an.tran","displayName":"Trần An","password":"a-long-password","email":"an@example.vn"}"#)
            #expect(registered.status == .created)
            let token = try await client.signIn("an.tran", "a-long-password").access
            let inbox = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/notices", token: token))
            #expect(inbox["unread"]?.int == 1)
            let notice = try #require(inbox["items"]?.array?.first)
            #expect(notice["title"]?.string == "Chào mừng Trần An đến với HueS")
            #expect(notice["deliveries"]?.array?.isEmpty == true, "no SMTP server configured: inbox only")
            let english = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/notices", token: token,
                                                                                          headers: [.acceptLanguage: "en"]))
            #expect(english["items"]?.array?.first?["title"]?.string == "Welcome to HueS, Trần An")

            let id = try #require(notice["id"]?.string)
            let someoneElse = try await client.signIn("citizen", Demo.passwords["citizen"] ?? "").access
            #expect(try await client.send(.post, "/api/v1/notices/\(id)/read", token: someoneElse).status == .notFound)
            #expect(try await client.send(.post, "/api/v1/notices/\(id)/read", token: token).status == .noContent)
            let after = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/notices?unread=true", token: token))
            #expect(after["unread"]?.int == 0)
            #expect(after["items"]?.array?.isEmpty == true)
        }
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1"))
    func noticesArriveByEmailThroughARealSMTPServer() async throws {
        try await TestMailServer.running { server in try await TestApp.run(configure: { $0.smtpHost = "127.0.0.1"; $0.smtpPort = server.port }) { client, runtime in
            let registered = try await client.send(.post, "/api/v1/accounts/register",
                                                   json: #"{"username":"lan.le","displayName":"Lê Thị Lan","password":"a-long-password","email":"lan@example.vn"}"#)
            #expect(registered.status == .created)
            let delivery = (try runtime.require(NoticesModule.self)).delivery()
            #expect(try await delivery.deliverDue(logger: runtime.logger) >= 1)
            let mbox = server.received
            #expect(mbox.contains("To: =?UTF-8?B?") && mbox.contains("<lan@example.vn>"))
            #expect(decodedSubjects(mbox).contains("Chào mừng Lê Thị Lan đến với HueS"))
            let token = try await client.signIn("lan.le", "a-long-password").access
            let inbox = try client.json([String: AnyCodable].self, try await client.send(.get, "/api/v1/notices", token: token))
            let sent = inbox["items"]?.array?.first?["deliveries"]?.array?.first
            #expect(sent?["status"]?.string == "delivered")
            #expect(sent?["attempts"]?.int == 1)
            #expect(try await delivery.deliverDue(logger: runtime.logger) == 0, "a delivered notice is not sent again")
        } }
    }

    @Test func anUnreachableMailServerIsRetriedThenGivenUp() async throws {
        // Nothing listens on this port.
        try await TestApp.run(configure: { $0.smtpHost = "127.0.0.1"; $0.smtpPort = 1 }) { client, runtime in
            let registered = try await client.send(.post, "/api/v1/accounts/register",
                                                   json: #"{"username":"huy.tran","displayName":"Trần Huy","password":"a-long-password","email":"huy@example.vn"}"#)
            #expect(registered.status == .created, "\(body(registered))")
            let delivery = (try runtime.require(NoticesModule.self)).delivery()
            let account = try #require(try await runtime.identity.accounts.find(username: "huy.tran", logger: runtime.logger))
            func state() async throws -> Notice.Delivery? {
                try await (try runtime.require(NoticesModule.self)).store.inbox(of: account.id.uuidString, language: "vi", logger: runtime.logger).notices.first?.deliveries.first
            }
            var now = Date()
            try await delivery.deliverDue(now: now, logger: runtime.logger)
            #expect(try await state()?.status == "created")
            #expect(try await state()?.attempts == 1)
            // Not due again before the backoff has passed…
            #expect(try await delivery.deliverDue(now: now.addingTimeInterval(30), logger: runtime.logger) == 0)
            // …then retried on the schedule until it gives up.
            for expected in 2...NoticeDelivery.maxAttempts {
                now = now.addingTimeInterval(3 * 3600)
                try await delivery.deliverDue(now: now, logger: runtime.logger)
                #expect(try await state()?.attempts == expected)
            }
            #expect(try await state()?.status == "failed")
        }
    }
}
