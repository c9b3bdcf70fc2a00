import Foundation
import Platform
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
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"].contains($0.key) }
        // A file, not a pipe: a tool that writes more than a pipe holds would wait forever for a reader.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hues-\(tool)-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw Failed(description: "cannot create \(log.path)")
        }
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        let child: ChildProcess
        do {
            child = try ChildProcess.start("/usr/bin/env", [tool] + arguments, environment: inherited.merging(extra) { _, new in new },
                                           error: handle.fileDescriptor)
            try handle.close()
        } catch {
            try? handle.close()
            throw Failed(description: "\(tool) could not start: \(error)")
        }
        let status = await withTaskCancellationHandler {
            await child.exitStatus()
        } onCancel: {
            child.signal(SIGTERM)
        }
        guard status == 0 else {
            let message = String(decoding: (FileManager.default.contents(atPath: log.path) ?? Data()).prefix(2000), as: UTF8.self)
            throw Failed(description: "\(tool) exited with \(status): \(message)")
        }
    }
}
