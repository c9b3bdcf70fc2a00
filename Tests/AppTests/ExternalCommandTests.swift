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
        let script = #"echo 'pg_restore: error: COPY failed for table "accounts"' >&2; echo 'CONTEXT: COPY accounts, line 1: "Nguyễn Văn An"' >&2; exit 1"#
        do {
            try await ExternalCommand.run("sh", ["-c", script])
            Issue.record("a failing tool was reported as a success")
        } catch let failure as ExternalCommand.Failed {
            #expect(failure.description.contains(#"error: COPY failed for table "accounts""#))
            #expect(!failure.description.contains("Nguyễn"))
            #expect(failure.description.contains("exited(1)"))
        }
    }

    @Test func aCancelledRunStopsTheTool() async throws {
        let started = ContinuousClock.now
        let run = Task { try await ExternalCommand.run("sleep", ["30"]) }
        try await Task.sleep(for: .milliseconds(300))
        run.cancel()
        await #expect(throws: (any Error).self) { try await run.value }
        #expect(ContinuousClock.now - started < .seconds(10), "the tool ran on after its run was cancelled")
    }
}
