import Foundation
import HuesTestSupport
import Testing
@testable import FieldReports

@Suite struct PhotoResizerTests {
    /// A real picture made by libvips itself, so decoders accept it.
    func picture(_ name: String, width: Int, height: Int) async throws -> Data {
        let folder = try ExternalTool.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let made = try await ExternalTool.run(["vips", "gaussnoise", name, String(width), String(height)], in: folder)
        #expect(made.status == 0, "vips gaussnoise: \(made.error)")
        return try #require(FileManager.default.contents(atPath: folder + "/" + name))
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func largePhotosShrinkToTheLimitAndKeepTheirFormat() async throws {
        // A generous budget: this test is about the sizes, and CI runs it beside the whole suite on two cores (the 20 s
        // budget that guards the server against picture bombs was overrun here once under that load).
        let resizer = PhotoResizer(tool: try ExternalTool.locate("vipsthumbnail"), timeout: .seconds(180))
        #expect(resizer.isAvailable)
        for (name, format) in [("big.jpg", CleanPhoto.Format.jpeg), ("big.png", .png), ("big.webp", .webp)] {
            let original = try PhotoCleaner.clean(try await picture(name, width: 3000, height: 2000))
            #expect(original.width == 3000)
            let fitted = try await resizer.shrinkToFit(original)
            #expect(fitted.format == format && fitted.width == 2048 && fitted.height == 1365, "\(name): \(fitted.width)×\(fitted.height)")
        }
        // Small photos are not touched.
        let small = try PhotoCleaner.clean(try await picture("small.jpg", width: 800, height: 600))
        #expect(try await resizer.shrinkToFit(small) == small)
        // Headers that claim a big picture over bytes that are not one: refused, not stored.
        await #expect(throws: PhotoProblem.unreadable) { _ = try await resizer.shrinkToFit(try PhotoCleaner.clean(ImageFixtures.png(width: 4000, height: 3000))) }
    }

    @Test func withoutTheToolPhotosKeepTheirSize() async throws {
        let photo = try PhotoCleaner.clean(ImageFixtures.jpeg(width: 4000, height: 3000))
        #expect(try await PhotoResizer(tool: nil).shrinkToFit(photo) == photo)
    }
}
