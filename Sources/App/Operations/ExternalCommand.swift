import Foundation
import Subprocess
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Runs one of the database's own tools (pg_dump, pg_restore) and waits for it without blocking a thread. The tool
/// gets a minimal environment (never the platform's keys or the backup passphrase), its error output goes to an
/// owner-only file, and a cancelled task stops it.
enum ExternalCommand {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ tool: String, _ arguments: [String], environment extra: [String: String] = [:]) async throws {
        try Task.checkCancellation()
        let kept = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"].contains($0.key) }
        var environment: [Environment.Key: String] = [:]
        for (name, value) in kept.merging(extra, uniquingKeysWith: { _, new in new }) {
            if let key = Environment.Key(rawValue: name) { environment[key] = value }
        }
        // A file, not a pipe: a tool that writes more than a pipe holds would wait forever for a reader. Created
        // owner-only from the start (never briefly readable by others).
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hues-\(tool)-\(UUID().uuidString).log").path
        let descriptor = open(log, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failed(description: "cannot create \(log): \(String(cString: strerror(errno)))") }
        defer {
            close(descriptor)
            unlink(log)
        }
        // Subprocess, not Foundation's Process: Process.run() on Linux over-reads /proc/self/fd entries and now and
        // then kills the whole server with SIGSEGV (swift-corelibs-foundation #5472); it did so once during pg_dump.
        // A cancelled task asks the tool to stop (SIGTERM), then kills it after five seconds.
        var options = PlatformOptions()
        options.teardownSequence = [.send(signal: .terminate, allowedDurationToNextStep: .seconds(5))]
        let status: TerminationStatus
        do {
            status = try await Subprocess.run(.path(FilePath("/usr/bin/env")), arguments: Arguments([tool] + arguments),
                                              environment: .custom(environment), platformOptions: options, output: .discarded,
                                              error: .fileDescriptor(FileDescriptor(rawValue: descriptor), closeAfterSpawningProcess: false))
                .terminationStatus
        } catch {
            throw Failed(description: "\(tool) could not start: \(error)")
        }
        try Task.checkCancellation()
        guard status.isSuccess else { throw Failed(description: "\(tool) ended with \(status): \(Self.errorLines(at: log))") }
    }

    /// What the tool said, without the lines that quote data: pg_restore follows a failed COPY with `CONTEXT:` naming
    /// the row it was copying, and PostgreSQL's `DETAIL:` quotes key values (a citizen's data), which have no place in
    /// a message that reaches the log. Everything else stays, so "env: 'pg_dump': No such file or directory" does.
    static func errorLines(at path: String) -> String {
        let text = String(decoding: (FileManager.default.contents(atPath: path) ?? Data()).prefix(64 * 1024), as: UTF8.self)
        let kept = text.split(separator: "\n").filter { !$0.contains("CONTEXT:") && !$0.contains("DETAIL:") }
        return kept.isEmpty ? "(no error output)" : String(kept.joined(separator: "\n").prefix(2000))
    }
}
