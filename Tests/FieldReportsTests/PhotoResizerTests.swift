import Foundation
import HuesTestSupport
import Testing
@testable import FieldReports

/// Whether libvips' tools are here; CI installs them, so there they must be.
let vipsAvailable = ProcessInfo.processInfo.environment["CI"] != nil || PhotoResizer.fromPath().isAvailable

@Suite struct PhotoResizerTests {
    /// A real picture made by libvips itself, so decoders accept it.
    func picture(_ name: String, width: Int, height: Int) throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hues-\(UUID().uuidString)-\(name)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["vips", "gaussnoise", path, String(width), String(height)]
        try process.run()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try #require(FileManager.default.contents(atPath: path))
    }

    @Test(.enabled(if: vipsAvailable)) func largePhotosShrinkToTheLimitAndKeepTheirFormat() async throws {
        let resizer = PhotoResizer.fromPath()
        #expect(resizer.isAvailable)
        for (name, format) in [("big.jpg", CleanPhoto.Format.jpeg), ("big.png", .png), ("big.webp", .webp)] {
            let original = try PhotoCleaner.clean(try picture(name, width: 3000, height: 2000))
            #expect(original.width == 3000)
            let fitted = try await resizer.fit(original)
            #expect(fitted.format == format && fitted.width == 2048 && fitted.height == 1365, "\(name): \(fitted.width)×\(fitted.height)")
        }
        // Small photos are not touched.
        let small = try PhotoCleaner.clean(try picture("small.jpg", width: 800, height: 600))
        #expect(try await resizer.fit(small) == small)
        // Headers that claim a big picture over bytes that are not one: refused, not stored.
        await #expect(throws: PhotoProblem.unreadable) { _ = try await resizer.fit(try PhotoCleaner.clean(ImageFixtures.png(width: 4000, height: 3000))) }
    }

    @Test func withoutTheToolPhotosKeepTheirSize() async throws {
        let photo = try PhotoCleaner.clean(ImageFixtures.jpeg(width: 4000, height: 3000))
        #expect(try await PhotoResizer(tool: nil).fit(photo) == photo)
    }
}
