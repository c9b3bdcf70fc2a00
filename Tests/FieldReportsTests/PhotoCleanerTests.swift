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

    /// Headers that lie about the picture's size: a side of 2³², a second frame bigger than the first, a bitstream
    /// bigger than its canvas, animation frames. Each is refused before any decoder sees it.
    @Test func forgedDimensionsAreRefusedBeforeDecoding() throws {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] { be32(UInt32(data.count)) + Array(type.utf8) + data + [0, 0, 0, 0] }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let huge = signature + chunk("IHDR", be32(0xFFFF_FFFF) + be32(0xFFFF_FFFF) + [8, 2, 0, 0, 0]) + chunk("IEND", [])
        #expect(throws: PhotoProblem.tooManyPixels(width: 0xFFFF_FFFF, height: 0xFFFF_FFFF)) { try PhotoCleaner.clean(Data(huge)) }
        let twoHeaders = signature + chunk("IHDR", be32(10) + be32(10) + [8, 2, 0, 0, 0]) + chunk("IHDR", be32(60_000) + be32(60_000) + [8, 2, 0, 0, 0])
            + chunk("IEND", [])
        #expect(throws: PhotoProblem.truncated(Format: "PNG")) { try PhotoCleaner.clean(Data(twoHeaders)) }
        let headerLater = signature + chunk("tEXt", Array("a\0b".utf8)) + chunk("IHDR", be32(10) + be32(10) + [8, 2, 0, 0, 0]) + chunk("IEND", [])
        #expect(throws: PhotoProblem.truncated(Format: "PNG")) { try PhotoCleaner.clean(Data(headerLater)) }

        // JPEG: a small frame header, then a 60000×60000 one.
        var jpeg = [UInt8](ImageFixtures.jpeg(width: 100, height: 100, latitude: nil, longitude: nil))
        let sos = try #require(jpeg.indices.dropLast().first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA })
        jpeg.insert(contentsOf: [0xFF, 0xC0, 0, 11, 8, 0xEA, 0x60, 0xEA, 0x60, 1, 1, 0x11, 0], at: sos)
        #expect(throws: PhotoProblem.truncated(Format: "JPEG")) { try PhotoCleaner.clean(Data(jpeg)) }

        // WebP: a 100×100 canvas holding a 16384×16384 lossless bitstream, and an animated file.
        func webp(_ chunks: [UInt8]) -> Data { Data(Array("RIFF".utf8) + le32(chunks.count + 4) + Array("WEBP".utf8) + chunks) }
        func webpChunk(_ fourCC: String, _ data: [UInt8]) -> [UInt8] { Array(fourCC.utf8) + le32(data.count) + data + (data.count % 2 == 1 ? [0] : []) }
        let canvas = webpChunk("VP8X", [0, 0, 0, 0, 99, 0, 0, 99, 0, 0])
        let bigBitstream = webpChunk("VP8L", [0x2F, 0xFF, 0xFF, 0xFF, 0x0F, 0])
        #expect(throws: PhotoProblem.truncated(Format: "WebP")) { try PhotoCleaner.clean(webp(canvas + bigBitstream)) }
        #expect(throws: PhotoProblem.unreadable) { try PhotoCleaner.clean(webp(canvas + webpChunk("ANIM", [0, 0, 0, 0, 0, 0]))) }
        // The fixture itself (a 1×1 bitstream on a 300×200 canvas) is still a photo.
        #expect(try PhotoCleaner.clean(ImageFixtures.webp()).width == 300)
    }
}
