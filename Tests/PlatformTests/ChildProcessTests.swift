import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HuesTestSupport
import Testing

/// The child processes tests start (tools, the `hues` binary, servers) get what they are given and nothing else.
@Suite struct ChildProcessTests {
    /// Runs `script` with /bin/sh and answers its exit status and standard output.
    /// Standard error shares the output pipe, as `hues` runs in the command-line tests do.
    func shell(_ script: String, environment: [String: String] = [:], directory: String? = nil) async throws -> (Int32, String) {
        let output = Pipe()
        let child = try ChildProcess.start("/bin/sh", ["-c", script], environment: environment, directory: directory,
                                           output: output.fileHandleForWriting.fileDescriptor, error: output.fileHandleForWriting.fileDescriptor)
        try output.fileHandleForWriting.close()
        // Read before waiting: a child that fills the pipe would otherwise wait for us forever.
        let text = try await ExternalTool.offTheTaskPool { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        return (await child.exitStatus(), text)
    }

    @Test func theExitCodeAndOutputComeBack() async throws {
        let (status, output) = try await shell("echo hello; echo trouble >&2; exit 3")
        #expect(status == 3)
        #expect(output == "hello\ntrouble\n")
    }

    @Test func moreOutputThanAPipeHoldsArrivesWhole() async throws {
        let (status, output) = try await shell("head -c 300000 /dev/zero | tr '\\0' x")
        #expect(status == 0)
        #expect(output.count == 300_000)
    }

    @Test func theChildSeesExactlyTheEnvironmentAndFolderItWasGiven() async throws {
        setenv("HUES_CHILD_PROCESS_SECRET", "must-not-leak", 1)
        defer { unsetenv("HUES_CHILD_PROCESS_SECRET") }
        let (status, output) = try await shell("echo \"$GIVEN|$HUES_CHILD_PROCESS_SECRET|$(pwd)\"", environment: ["GIVEN": "yes"], directory: "/usr")
        #expect(status == 0)
        #expect(output == "yes||/usr\n")
    }

    @Test func descriptorsOfTheServerAreNotInherited() async throws {
        // Opened without O_CLOEXEC on purpose: the child must still not get it.
        let descriptor = open("/dev/null", O_RDONLY)
        try #require(descriptor > 2)
        defer { close(descriptor) }
        let (status, _) = try await shell("test -e /proc/$$/fd/\(descriptor)")
        #expect(status == 1, "descriptor \(descriptor) reached the child")
    }

    @Test func aKilledChildReportsTheSignalAndCanBeSignalledOnlyOnce() async throws {
        let child = try ChildProcess.start("/bin/sleep", ["30"], environment: [:])
        child.signal(SIGKILL)
        #expect(await child.exitStatus() == 128 + SIGKILL)
        #expect(child.waitUntilExit() == 128 + SIGKILL, "a second wait answers the same status")
        child.signal(SIGKILL) // reaped: must not reach whatever process gets the id next
    }

    @Test func aMissingExecutableIsAnErrorNotACrash() async throws {
        #expect(throws: ChildProcess.Failed.self) {
            _ = try ChildProcess.start("/nonexistent/tool", [], environment: [:])
        }
    }
}
