import Foundation
import Testing
@testable import Signatures

/// PDFs built to break the reader: every one is refused or read, none traps, loops or copies the file per signature.
/// Anyone can upload these to the public verification page.
@Suite struct HostilePDFTests {
    /// A PDF whose signature dictionary holds `byteRange` and `/Contents <contents>`, with the /Contents placed where the
    /// numbers say when `placeContents` is true.
    static func pdf(byteRange: String, contents: String = "3003020100", before: String = "", after: String = "") -> [UInt8] {
        Array("%PDF-1.7\n\(before)1 0 obj\n<< /Type /Sig /Contents <\(contents)> /ByteRange [\(byteRange)] /M (D:20261201120000+07'00') >>\nendobj\n\(after)%%EOF\n".utf8)
    }

    /// Where `<` of /Contents is in `pdf`, and one past its `>`.
    static func contentsRange(_ pdf: [UInt8]) throws -> (Int, Int) {
        let open = try #require(PDFSignature.find(Array("/Contents <".utf8), in: pdf, from: 0)) + "/Contents ".utf8.count
        let close = try #require(pdf[open...].firstIndex(of: UInt8(ascii: ">"))) + 1
        return (open, close)
    }

    @Test func byteRangeNumbersThatOverflowAreRefused() throws {
        for range in ["0 1 9223372036854775807 1", "0 9223372036854775807 9223372036854775807 9223372036854775807", "0 -5 10 1",
                      "0 10 5 1", "0 1 2", "0 1 2 3 4", "0 1e3 2 3", "0 18446744073709551616 1 1"] {
            #expect(throws: PDFSignature.Problem.self, "\(range)") { _ = try PDFSignature.embedded(in: Self.pdf(byteRange: range)) }
        }
    }

    @Test func derLengthsPastTheEndOrOverflowingAreNotTrusted() throws {
        for contents in ["30ff000000", "30887fffffffffffffff00", "30888000000000000000", "3084ffffffff", "3080", "30", "", "zz"] {
            let placeholder = Self.pdf(byteRange: "0 00000 00000 00000", contents: contents)
            let (open, close) = try Self.contentsRange(placeholder)
            let bytes = Self.pdf(byteRange: String(format: "0 %05d %05d %05d", open, close, placeholder.count - close), contents: contents)
            let found = try PDFSignature.embedded(in: bytes)
            #expect(found.count == 1, "\(contents)")
            #expect(found.first.map { $0.cms.count <= contents.count / 2 } ?? false)
        }
    }

    @Test func contentsBeforeTheMarkerDoNotSendTheCursorBack() throws {
        // The ranges name /Contents, which sits before /ByteRange: the reader must move on, not read the same marker forever.
        var bytes = Self.pdf(byteRange: "0 00000 00000 00000")
        let (open, close) = try Self.contentsRange(bytes)
        let text = String(format: "0 %05d %05d %05d", open, close, bytes.count - close)
        bytes = Self.pdf(byteRange: text)
        let found = try PDFSignature.embedded(in: bytes)
        #expect(found.count == 1)
        #expect(found[0].coveredRanges == [0..<open, close..<bytes.count])
        #expect(found[0].covered(in: bytes).count == bytes.count - (close - open))
    }

    @Test func thousandsOfSignaturesAreRefusedNotCopied() throws {
        let one = "2 0 obj\n<< /ByteRange [0 9 11 0] >>\nendobj\n"
        let bytes = Array(("%PDF-1.7\n<>" + String(repeating: one, count: 2_000)).utf8)
        // Each marker names the same valid ranges; past 64 of them the file is refused instead of read on.
        #expect(throws: PDFSignature.Problem(description: "The PDF carries more than 64 signatures.")) { _ = try PDFSignature.embedded(in: bytes) }
        #expect(PDFSignature.derElementLength([0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]) == 6 + 0xFFFF_FFFF)
        #expect(PDFSignature.derElementLength([0x30, 0x85, 1, 2, 3, 4, 5]) == nil)
    }

    /// Cross-reference sections that point at each other, negative offsets, overflowing object numbers and sizes.
    @Test func brokenCrossReferenceTablesAreRefused() throws {
        func file(xref: String, trailer: String) -> [UInt8] {
            let head = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
            let xrefOffset = head.utf8.count
            return Array((head + "xref\n\(xref)trailer\n\(trailer.replacingOccurrences(of: "SELF", with: String(xrefOffset)))\nstartxref\n\(xrefOffset)\n%%EOF\n").utf8)
        }
        let cases: [(String, String)] = [
            ("0 2\n0000000000 65535 f \n0000000009 00000 n \n", "<< /Size 2 /Root 1 0 R /Prev SELF >>"),  // points at itself
            ("0 2\n0000000000 65535 f \n-000000005 00000 n \n", "<< /Size 2 /Root 1 0 R >>"),  // negative offset
            ("9223372036854775807 2\n0000000009 00000 n \n0000000009 00000 n \n", "<< /Size 2 /Root 1 0 R >>"),  // object numbers overflow
            ("0 2\n0000000000 65535 f \n0000000009 00000 n \n", "<< /Size 9223372036854775807 /Root 1 0 R >>"),  // size overflows
            ("0 2\n0000000000 65535 f \n9999999999 00000 n \n", "<< /Size 2 /Root 1 0 R >>"),  // offset past the end
        ]
        for (xref, trailer) in cases {
            #expect(throws: PDFSignature.Problem.self, "\(xref) \(trailer)") { _ = try PDFStructure(file(xref: xref, trailer: trailer)) }
        }
        // Two sections that name each other as /Prev.
        let head = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
        let first = head.utf8.count
        let sectionA = "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 2 /Root 1 0 R /Prev BBBBBBBBBB >>\nstartxref\n0\n%%EOF\n"
        let second = first + sectionA.utf8.count
        let sectionB = "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 2 /Root 1 0 R /Prev \(String(format: "%010d", first)) >>\nstartxref\n\(second)\n%%EOF\n"
        let looped = Array((head + sectionA.replacingOccurrences(of: "BBBBBBBBBB", with: String(format: "%010d", second)) + sectionB).utf8)
        #expect(throws: PDFSignature.Problem.self) { _ = try PDFStructure(looped) }
    }
}
