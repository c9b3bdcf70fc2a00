import Foundation
import Logging
import Platform
import Subprocess
import SystemPackage

/// Shrinks photos larger than 2048 pixels on a side, as FixMyStreet does, with libvips' `vipsthumbnail` (which also
/// turns the picture upright and writes no metadata). The platform has no image codec of its own; without the tool,
/// photos are kept at their size and the server says so when it starts.
public struct PhotoResizer: Sendable {
    public static let maxSide = 2048
    let tool: String?
    let timeout: Duration

    public init(tool: String?, timeout: Duration = .seconds(20)) {
        self.tool = tool
        self.timeout = timeout
    }

    /// `vipsthumbnail` from the PATH, if installed.
    public static func fromPath(logger: Logger? = nil) -> PhotoResizer {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        let tool = paths.map { "\($0)/vipsthumbnail" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        if tool == nil {
            logger?.warning("vipsthumbnail not found (apt-get install libvips-tools): field-report photos are stored at their original size")
        }
        return PhotoResizer(tool: tool)
    }

    public var isAvailable: Bool { tool != nil }

    func needsResizing(_ photo: CleanPhoto) -> Bool { max(photo.width, photo.height) > Self.maxSide }

    /// At most two resizes run at once in this process (libvips is itself multi-threaded); a queue longer than a
    /// few dozen uploads is refused with 503 rather than left to grow.
    static let slots = AsyncSemaphore(permits: 2, maxWaiting: 32)

    /// The photo, shrunk when it is too large; the location read from the original is kept for routing.
    ///
    /// The tool gets `timeout` to finish, then it is killed (Subprocess tears the child down when its task is
    /// cancelled) and the photo is refused as too slow to decode; pixel counts were already checked from the headers.
    public func shrinkToFit(_ photo: CleanPhoto) async throws -> CleanPhoto {
        guard needsResizing(photo), let tool else { return photo }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-photo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { Self.remove(folder) }
        let suffix = photo.format == .png ? "png" : photo.format == .webp ? "webp" : "jpg"
        let input = folder.appendingPathComponent("in.\(suffix)")
        let output = folder.appendingPathComponent("out.\(suffix)")
        try photo.bytes.write(to: input)
        let options = photo.format == .jpeg ? "[Q=85,strip]" : "[strip]"
        let arguments: Arguments = [input.path, "--size", "\(Self.maxSide)x\(Self.maxSide)", "-o", output.path + options]
        let succeeded: Bool
        do {
            succeeded = try await Self.slots.withPermit { try await Self.run(tool, arguments, timeout: timeout) }
        } catch is AsyncSemaphore.Full {
            throw Problem.unavailable(retryAfterSeconds: 10, detail: "Too many photos are being processed right now; try again in a few seconds.")
        }
        guard succeeded, let bytes = FileManager.default.contents(atPath: output.path) else { throw PhotoProblem.unreadable }
        var resized = try PhotoCleaner.clean(bytes)
        resized.location = photo.location
        return resized
    }

    /// Runs the tool, racing it against the clock; true when it exited with 0 in time.
    static func run(_ tool: String, _ arguments: Arguments, timeout: Duration) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                // One thread and no untrusted loaders (libvips' own guard for files from the public).
                let result = try await Subprocess.run(.path(FilePath(tool)), arguments: arguments,
                                                      environment: .inherit.updating(["VIPS_CONCURRENCY": "1", "VIPS_BLOCK_UNTRUSTED": "1"]),
                                                      output: .discarded, error: .discarded)
                return result.terminationStatus.isSuccess
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw PhotoProblem.tooSlow
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return false }
            return first
        }
    }

    private static func remove(_ folder: URL) {
        do { try FileManager.default.removeItem(at: folder) } catch {
            Logger(label: "hues.field-reports").warning("could not remove a photo's scratch folder", metadata: ["folder": "\(folder.path)", "error": "\(error)"])
        }
    }

    public func shrinkToFit(_ photos: [CleanPhoto]) async throws -> [CleanPhoto] {
        var fitted: [CleanPhoto] = []
        for photo in photos { fitted.append(try await shrinkToFit(photo)) }
        return fitted
    }
}
