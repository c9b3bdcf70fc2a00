import Foundation
import QRCode
import HuesTestSupport
import Testing

@Suite struct QRCodeTests {
    /// zbarimg (the decoder most scanners share code with) must read back exactly what we drew, at every level and
    /// across small and large versions.
    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1"), arguments: [(1, ErrorCorrection.low), (17, .medium), (60, .quartile), (150, .high), (400, .medium), (1200, .low), (2300, .medium)])
    func zbarReadsWhatWeDraw(length: Int, level: ErrorCorrection) async throws {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#")
        var generator = SystemRandomNumberGenerator()
        let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "A" })
        let code = try QRCode(text: text, level: level)
        let folder = try ExternalTool.scratchFolder()
        try ExternalTool.write(code.png(pixelsPerModule: 3), to: folder + "/code.png")
        let result = try await ExternalTool.run(["zbarimg", "--quiet", "--raw", "code.png"], in: folder)
        #expect(result.status == 0, "zbarimg failed on version \(code.version): \(result.error)")
        #expect(result.output.trimmingCharacters(in: .newlines) == text)
    }

    @Test(.enabled(if: ExternalTool.wanted, "HUES_TEST_WITHOUT_TOOLS=1")) func vietnameseTextRoundTripsAsUTF8() async throws {
        let text = "https://hues.example/lookup?code=000.16.00.H57-261129-0001 Phường Phú Xuân"
        let folder = try ExternalTool.scratchFolder()
        try ExternalTool.write(try QRCode(text: text, level: .medium).png(), to: folder + "/code.png")
        let result = try await ExternalTool.run(["zbarimg", "--quiet", "--raw", "code.png"], in: folder)
        #expect(result.output.trimmingCharacters(in: .newlines) == text)
    }

    @Test func chosenVersionIsTheSmallestThatFits() throws {
        // Version 1-M holds 14 bytes; 15 need version 2.
        #expect(try QRCode(text: String(repeating: "x", count: 14), level: .medium).version == 1)
        #expect(try QRCode(text: String(repeating: "x", count: 15), level: .medium).version == 2)
        #expect(QRCode.capacity(version: 40, level: .low) == 2953)
    }

    @Test func tooLongPayloadIsRefusedWithItsCapacity() {
        #expect(throws: QRCode.EncodingError.tooLong(bytes: 1300, capacity: 1273)) {
            try QRCode(bytes: Array(repeating: 0x41, count: 1300), level: .high)
        }
    }

    @Test func svgDrawsEveryDarkModule() throws {
        let code = try QRCode(text: "HueS", level: .low)
        let svg = code.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.components(separatedBy: "h1v1h-1z").count - 1 == code.modules.filter { $0 }.count)
    }
}
