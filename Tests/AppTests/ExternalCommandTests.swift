@testable import App
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// pg_dump and pg_restore as the server runs them: a minimal environment, failures told without the data, and a
/// cancelled backup stops its tool.
@Suite struct ExternalCommandTests {
    @Test func theToolGetsWhatItIsGivenAndNotTheServersSecrets() async throws {
        setenv("HUES_EXTERNAL_COMMAND_TEST_SECRET", "sealed", 1)
        defer { unsetenv("HUES_EXTERNAL_COMMAND_TEST_SECRET") }
        try await ExternalCommand.run("sh", ["-c", #"test -z "$HUES_EXTERNAL_COMMAND_TEST_SECRET" && test "$PGPASSWORD" = given"#],
                                      environment: ["PGPASSWORD": "given"])
    }

    @Test func aFailureNamesTheErrorButNotTheRowBeingCopied() async throws {
        let script = #"echo 'pg_restore: error: COPY failed for table "accounts": ERROR:  duplicate key value' >&2; echo 'DETAIL:  Key (email)=(an@example.vn) already exists.' >&2; echo 'CONTEXT: COPY accounts, line 1: "Nguyễn Văn An"' >&2; exit 1"#
        do {
            try await ExternalCommand.run("sh", ["-c", script])
            Issue.record("a failing tool was reported as a success")
        } catch let failure as ExternalCommand.Failed {
            #expect(failure.description.contains(#"error: COPY failed for table "accounts""#))
            #expect(!failure.description.contains("Nguyễn"))
            #expect(!failure.description.contains("an@example.vn"))
            #expect(failure.description.contains("exited(1)"))
        }
    }

    @Test func aMissingToolIsNamedInTheFailure() async throws {
        do {
            try await ExternalCommand.run("hues-no-such-tool", ["--version"])
            Issue.record("a missing tool was reported as a success")
        } catch let failure as ExternalCommand.Failed {
            // env quotes the name with the locale's quotation marks, so the two parts are checked apart.
            #expect(failure.description.contains("env: ") && failure.description.contains("hues-no-such-tool")
                    && failure.description.contains("No such file or directory"), "\(failure.description)")
        }
    }

    @Test func aCancelledRunStopsTheTool() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("hues-tool-\(UUID().uuidString).pid").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let started = ContinuousClock.now
        let run = Task { try await ExternalCommand.run("sh", ["-c", "echo $$ > \(pidFile); exec sleep 120"]) }
        var pid: pid_t = 0
        for _ in 0..<500 where pid == 0 {
            pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(pid > 0, "the tool never started")
        run.cancel()
        await #expect(throws: (any Error).self) { try await run.value }
        // Gone (and reaped), long before its two minutes were up.
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the tool runs on after its run was cancelled")
        #expect(ContinuousClock.now - started < .seconds(60))
    }
}
