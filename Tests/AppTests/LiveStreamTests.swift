import App
import Foundation
import HTTPTypes
import HuesTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Platform
import Synchronization
import Testing

/// Live streams of public changes, and several instances on one PostgreSQL database hearing each other's commits.
@Suite struct LiveStreamTests {
    /// What a browser would read from the stream; stops the stream once a change event has arrived.
    struct Reader: ResponseBodyWriter {
        struct Enough: Error {}
        let transcript: Transcript

        mutating func write(_ buffer: ByteBuffer) async throws {
            let text = String(buffer: buffer)
            transcript.text.withLock { $0 += text }
            if text.hasPrefix("event: change") { throw Enough() }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    final class Transcript: Sendable {
        let text = Mutex("")

        /// Waits until the stream has subscribed (its first line is written after subscribing): acting before then
        /// could announce a change nobody hears, as happened under a loaded CI machine with a fixed 100 ms wait.
        func waitUntilFollowing() async throws {
            for _ in 0..<500 {
                if text.withLock({ $0.contains(": following") }) { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            Issue.record("the stream did not start following within 10 s")
        }
    }

    @Test func aFiledReportReachesTheStreamAsItsKindOnly() async throws {
        try await TestApp.run { client, runtime in
            let citizen = try await client.token("citizen")
            let transcript = Transcript()
            let stream = Task {
                var reader: any ResponseBodyWriter = Reader(transcript: transcript)
                do {
                    try await LiveChangeStream.run(changes: runtime.database.changes, topics: ["field-report"], to: &reader)
                } catch {}
            }
            try await transcript.waitUntilFollowing()
            // A change of another topic (a notice read) is not sent; the report is.
            #expect(try await client.send(.get, "/api/v1/notices", token: citizen).status == .ok)
            #expect(try await client.fileReport(fieldReport(), token: citizen).status == .created)
            let timeout = Task { try await Task.sleep(for: .seconds(10)); stream.cancel() }
            _ = await stream.result
            timeout.cancel()
            let text = transcript.text.withLock { $0 }
            #expect(text.hasPrefix("retry: 3000\n"))
            #expect(text.contains(#"event: change\#ndata: {"types":["field-report.filed"]}"#), "\(text)")
            #expect(!text.contains("citizen") && !text.contains("notice"))
            // Over HTTP: a topic that is not public is refused.
            let refused = try await client.send(.get, "/api/v1/live?topics=identity")
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("field-report"))
        }
    }

    @Test func anotherInstanceHearsOfCommitsAndItsKeptAnswersGoStale() async throws {
        try await TestApp.run { client, runtime in
            let logger = Logger(label: "test")
            guard case .postgres = runtime.database.location else {
                // One SQLite file has one serving process: there is no other instance to tell.
                #expect(ChangeBroadcast(database: runtime.database, instance: "a", eventTypes: Self.types(runtime), logger: logger) == nil)
                return
            }
            let other = try PlatformDatabase(location: runtime.database.location)
            let broadcasts = [try #require(ChangeBroadcast(database: runtime.database, instance: "a", eventTypes: Self.types(runtime), logger: logger)),
                              try #require(ChangeBroadcast(database: other, instance: "b", eventTypes: Self.types(runtime), logger: logger))]
            let running = broadcasts.map { broadcast in Task { try await broadcast.run() } }
            let heard = other.changes.subscribe(to: ["field-report"])
            try await Task.sleep(for: .milliseconds(500))
            let citizen = try await client.token("citizen")
            #expect(try await client.fileReport(fieldReport(), token: citizen).status == .created)
            let arrived = await Self.within(.seconds(10)) {
                for await type in heard.types where type.hasPrefix("field-report.") { return }
            }
            #expect(arrived, "instance b heard of the report filed on instance a")
            running.forEach { $0.cancel() }
            for task in running { _ = try? await task.value }
            await other.shutdown()
        }
    }

    static func types(_ runtime: HuesRuntime) -> [String] { runtime.modules.flatMap(\.events).map(\.type) }

    /// Whether `body` ends within `limit`.
    static func within(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await body(); return true }
            group.addTask { try? await Task.sleep(for: limit); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
