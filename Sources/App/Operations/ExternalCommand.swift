import Foundation
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"].contains($0.key) }
        process.environment = inherited.merging(extra) { _, new in new }
        // A file, not a pipe: a tool that writes more than a pipe holds would wait forever for a reader.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("hues-\(tool)-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw Failed(description: "cannot create \(log.path)")
        }
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        let status: Int32 = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: Failed(description: "\(tool) could not start: \(error)"))
                }
            }
        } onCancel: {
            if process.isRunning { process.terminate() }
        }
        guard status == 0 else {
            let message = String(decoding: (FileManager.default.contents(atPath: log.path) ?? Data()).prefix(2000), as: UTF8.self)
            throw Failed(description: "\(tool) exited with \(status): \(message)")
        }
    }
}
