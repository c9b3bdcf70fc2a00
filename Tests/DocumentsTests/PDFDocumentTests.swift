import Documents
import Foundation
import QRCode
import HuesTestSupport
import Testing

/// The platform's own PDFs, checked the way a reader would: qpdf finds the file sound, pdftotext gives the
/// Vietnamese back, and the QR code printed on the page scans.
@Suite struct PDFDocumentTests {
    static let vietnamese = "Ủy ban nhân dân phường Phú Xuân tiếp nhận hồ sơ đăng ký khai sinh của Nguyễn Thị Hoa; hẹn trả kết quả ngày 30/11/2026."

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func qpdfAcceptsItPdftotextReadsTheVietnameseAndTheQRCodeScans() async throws {
        var document = try PDFDocument.withSystemFonts(title: "Giấy tiếp nhận", author: "Phường Phú Xuân")
        document.text("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", x: 56, y: 780, size: 14, weight: .bold)
        let below = document.paragraph(Self.vietnamese, x: 56, y: 750, width: 480)
        #expect(below < 740, "a long line wraps")
        let url = "https://hues.example/lookup?code=000.16.00.H57-261129-0001"
        document.qrCode(try QRCode(text: url, level: .medium), x: 56, y: 500, side: 140)
        document.newPage()
        document.text("Trang 2 — Bộ phận Một cửa", x: 56, y: 780)
        let pdf = try document.write()

        let folder = try ExternalTool.scratchFolder()
        try ExternalTool.write(pdf, to: folder + "/slip.pdf")
        let check = try await ExternalTool.run(["qpdf", "--check", "slip.pdf"], in: folder)
        #expect(check.status == 0, "\(check.output) \(check.error)")
        #expect(check.output.contains("No syntax or stream encoding errors"))

        let text = try await ExternalTool.run(["pdftotext", "-layout", "slip.pdf", "-"], in: folder).output
        #expect(text.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"), "\(text)")
        #expect(text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ").contains("Nguyễn Thị Hoa"))
        #expect(text.contains("Trang 2 — Bộ phận Một cửa"))
        let fonts = try await ExternalTool.run(["pdffonts", "slip.pdf"], in: folder).output
        #expect(fonts.contains("CID TrueType"))
        #expect(fonts.contains("yes yes yes") || fonts.contains("yes  yes  yes"), "embedded, subset, with a ToUnicode map: \(fonts)")

        let rendered = try await ExternalTool.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "slip.pdf", "page"], in: folder)
        #expect(rendered.status == 0, "\(rendered.error)")
        let page = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("page") && $0.hasSuffix(".png") })
        let scanned = try await ExternalTool.run(["zbarimg", "--quiet", "--raw", page], in: folder)
        #expect(scanned.output.trimmingCharacters(in: .newlines) == url)
        #expect(pdf.count < 200_000, "the fonts are subsetted (\(pdf.count) bytes; whole they would add 1.4 MB)")
    }

    @Test func aBrokenFontFileIsAClearError() {
        #expect(throws: TrueTypeFont.FormatError.self) { _ = try TrueTypeFont(data: [0, 1, 0, 0, 0, 9]) }
    }
}
