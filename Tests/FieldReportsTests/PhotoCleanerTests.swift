import Foundation
import HuesTestSupport
import Testing
@testable import FieldReports

@Suite struct PhotoCleanerTests {
    func contains(_ data: Data, _ text: String) -> Bool { data.range(of: Data(text.utf8)) != nil }

    @Test func jpegLosesEveryPersonalFieldButKeepsThePictureAndReadsTheGPS() throws {
        let original = ImageFixtures.jpeg()
        #expect(contains(original, "Nguyen Thi Hoa"))
        let clean = try PhotoCleaner.clean(original)
        #expect(clean.format == .jpeg)
        #expect(clean.width == 640 && clean.height == 480)
        let location = try #require(clean.location)
        #expect(abs(location.latitude - 16.4637) < 0.00001 && abs(location.longitude - 107.5909) < 0.00001)
        #expect(!contains(clean.bytes, "Nguyen Thi Hoa"))
        #expect(!contains(clean.bytes, "0905123456"))
        #expect(!contains(clean.bytes, "xmpmeta"))
        // The only EXIF left is the orientation, rewritten alone, so the GPS is gone from the public copy.
        let again = try PhotoCleaner.clean(clean.bytes)
        #expect(again.location == nil)
        #expect(contains(clean.bytes, "Exif"))
        #expect(ExifReader(Array(clean.bytes.dropFirst(2 + 18 + 4 + 6))).orientation == 6)
        // The compressed picture is passed on bit for bit.
        #expect(clean.bytes.suffix(8) == original.suffix(8))
    }

    @Test func uprightJPEGKeepsNoEXIFAtAll() throws {
        let clean = try PhotoCleaner.clean(ImageFixtures.jpeg(orientation: 1))
        #expect(!contains(clean.bytes, "Exif"))
    }

    @Test func pngDropsTextTimeAndEXIFChunks() throws {
        let clean = try PhotoCleaner.clean(ImageFixtures.png())
        #expect(clean.format == .png && clean.width == 32 && clean.height == 16)
        #expect(clean.location != nil)
        for chunk in ["tEXt", "eXIf", "tIME", "Nguyen"] { #expect(!contains(clean.bytes, chunk)) }
        for chunk in ["IHDR", "IDAT", "IEND"] { #expect(contains(clean.bytes, chunk)) }
    }

    @Test func webpDropsEXIFAndXMPAndFixesTheHeader() throws {
        let clean = try PhotoCleaner.clean(ImageFixtures.webp())
        #expect(clean.format == .webp && clean.width == 300 && clean.height == 200)
        #expect(clean.location != nil)
        #expect(!contains(clean.bytes, "EXIF") && !contains(clean.bytes, "XMP ") && !contains(clean.bytes, "Nguyen"))
        let bytes = [UInt8](clean.bytes)
        let riffSize = Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24
        #expect(riffSize == bytes.count - 8)
        #expect(bytes[20] & 0x0C == 0)  // VP8X flags: no EXIF, no XMP
    }

    @Test func nonImagesAndDamagedImagesAreRefused() {
        #expect(throws: PhotoProblem.notAnImage) { try PhotoCleaner.clean(Data("%PDF-1.7 not a photo".utf8)) }
        #expect(throws: PhotoProblem.notAnImage) { try PhotoCleaner.clean(Data("GIF89a".utf8)) }
        #expect(throws: PhotoProblem.self) { try PhotoCleaner.clean(ImageFixtures.jpeg().prefix(60)) }
        #expect(throws: PhotoProblem.self) { try PhotoCleaner.clean(ImageFixtures.png().prefix(40)) }
        #expect(throws: PhotoProblem.tooLarge(bytes: PhotoCleaner.maxBytes + 1)) {
            try PhotoCleaner.clean(Data([0xFF, 0xD8, 0xFF]) + Data(count: PhotoCleaner.maxBytes - 2))
        }
    }
}
