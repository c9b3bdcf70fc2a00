import Foundation
import Synchronization

/// Runs a real tool (openssl, zbarimg, pyhanko, qpdf, poppler, libvips…) the way a person checking our output would.
///
/// A tool that is not installed is an error naming it and the command that installs it, never a quiet pass:
/// `scripts/test` installs them all. Only `HUES_TEST_WITHOUT_TOOLS=1` (which CI never sets) turns such tests off.
public enum ExternalTool {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
    }

    /// Thrown when a tool the test needs is not installed.
    public struct Missing: Error, CustomStringConvertible {
        public let tool: String
        public let install: String
        public var description: String { "\(tool) is not installed: run scripts/test, which installs it, or \(install)" }
    }

    /// False only when someone has explicitly opted out of tests that need outside tools.
    public static let wanted: Bool = ProcessInfo.processInfo.environment["HUES_TEST_WITHOUT_TOOLS"] != "1"

    /// How each outside tool is installed on Debian (the machines this project runs on).
    static let installCommands: [String: String] = [
        "openssl": "apt-get install openssl",
        "qpdf": "apt-get install qpdf",
        "pdftotext": "apt-get install poppler-utils",
        "pdftoppm": "apt-get install poppler-utils",
        "pdffonts": "apt-get install poppler-utils",
        "zbarimg": "apt-get install zbar-tools",
        "vips": "apt-get install libvips-tools",
        "vipsthumbnail": "apt-get install libvips-tools",
        "pyhanko": "python3 -m pip install pyhanko-cli",
        "python3": "apt-get install python3",
    ]

    /// The tool's path on `PATH`, or `Missing`.
    public static func locate(_ tool: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Missing(tool: tool, install: installCommands[tool] ?? "install \(tool)")
    }

    /// Fails with `Missing` unless Python can import `module` (installed from PyPI as `package`).
    public static func requirePythonModule(_ module: String, package: String) async throws {
        let result = try await run(["python3", "-c", "import \(module)"], in: FileManager.default.temporaryDirectory.path)
        guard result.status == 0 else { throw Missing(tool: "Python's \(module)", install: "python3 -m pip install \(package)") }
    }

    public static func run(_ arguments: [String], in folder: String) async throws -> Result {
        try await offTheTaskPool { try runWaiting(arguments, in: folder) }
    }

    /// Runs `work`, which blocks its thread (waiting for a child process), on a thread of its own. Swift's task pool has
    /// one thread per core, two here: two tests waiting on tools in it stalled every other test of the run, and a live
    /// test server that could not answer for 10 s failed a webhook test in CI.
    public static func offTheTaskPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Swift.Result { try work() }) }
        }
    }

    static func runWaiting(_ arguments: [String], in folder: String) throws -> Result {
        guard let tool = arguments.first else { throw Missing(tool: "(no tool named)", install: "name a tool") }
        let output = Pipe()
        let error = Pipe()
        let child = try ChildProcess.start(try locate(tool), Array(arguments.dropFirst()), environment: ProcessInfo.processInfo.environment,
                                           directory: folder, output: output.fileHandleForWriting.fileDescriptor,
                                           error: error.fileHandleForWriting.fileDescriptor)
        try output.fileHandleForWriting.close()
        try error.fileHandleForWriting.close()
        // Error output is read on a thread of its own: a tool that fills the error pipe while we wait on its output
        // would otherwise wait forever.
        let errorData = Mutex(Data())
        let errorRead = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            errorData.withLock { $0 = error.fileHandleForReading.readDataToEndOfFile() }
            errorRead.signal()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        errorRead.wait()
        let status = child.waitUntilExit()
        return Result(status: status, output: String(decoding: outputData, as: UTF8.self),
                      error: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }

    public static func scratchFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-tool-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
