import Foundation
import Logging
import Platform

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

    /// The photo, shrunk when it is too large; the location read from the original is kept for routing.
    public func fit(_ photo: CleanPhoto) async throws -> CleanPhoto {
        guard needsResizing(photo), let tool else { return photo }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hues-photo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let suffix = photo.format == .png ? "png" : photo.format == .webp ? "webp" : "jpg"
        let input = folder.appendingPathComponent("in.\(suffix)")
        let output = folder.appendingPathComponent("out.\(suffix)")
        try photo.bytes.write(to: input)
        let options = photo.format == .jpeg ? "[Q=85,strip]" : "[strip]"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [input.path, "--size", "\(Self.maxSide)x\(Self.maxSide)", "-o", output.path + options]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        guard status == 0, let bytes = FileManager.default.contents(atPath: output.path) else { throw PhotoProblem.unreadable }
        var resized = try PhotoCleaner.clean(bytes)
        resized.location = photo.location
        return resized
    }

    public func fit(_ photos: [CleanPhoto]) async throws -> [CleanPhoto] {
        var fitted: [CleanPhoto] = []
        for photo in photos { fitted.append(try await fit(photo)) }
        return fitted
    }
}
