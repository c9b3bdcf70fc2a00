import Foundation

/// The parts of a TrueType font a PDF needs: glyph ids for characters (cmap), advance widths (hmtx), metrics for the
/// font descriptor, and the file itself to embed. Vietnamese needs precomposed letters with two diacritics
/// (ậ, ữ, ố…), which fonts such as DejaVu Sans carry in their BMP cmap.
public struct TrueTypeFont: Sendable {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    public let data: [UInt8]
    public let postScriptName: String
    let unitsPerEm: Int
    let ascent: Int
    let descent: Int
    let capHeight: Int
    let boundingBox: [Int]
    let advances: [Int]
    let glyphs: [UInt32: UInt16]

    /// A font file from disk: `HUES_PDF_FONT`, else DejaVu Sans from the Debian package fonts-dejavu-core.
    public static func system(path: String? = nil) throws -> TrueTypeFont {
        let candidates = [path, ProcessInfo.processInfo.environment["HUES_PDF_FONT"], "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                          "/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/local/share/fonts/DejaVuSans.ttf"].compactMap { $0 }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            return try TrueTypeFont(data: Array(try Data(contentsOf: URL(fileURLWithPath: candidate))))
        }
        throw FormatError(description: "No TrueType font for PDF documents: install fonts-dejavu-core or set HUES_PDF_FONT to a .ttf file.")
    }

    public init(data: [UInt8]) throws {
        self.data = data
        var tables: [String: (offset: Int, length: Int)] = [:]
        let count = Int(try Self.u16(data, 4))
        for index in 0..<count {
            let record = 12 + 16 * index
            guard record + 16 <= data.count else { throw FormatError(description: "The font's table directory is cut short.") }
            let tag = String(decoding: data[record..<(record + 4)], as: UTF8.self)
            tables[tag] = (Int(try Self.u32(data, record + 8)), Int(try Self.u32(data, record + 12)))
        }
        func table(_ tag: String) throws -> Int {
            guard let entry = tables[tag], entry.offset + entry.length <= data.count else { throw FormatError(description: "The font has no '\(tag)' table.") }
            return entry.offset
        }
        let head = try table("head")
        unitsPerEm = Int(try Self.u16(data, head + 18))
        boundingBox = try [36, 38, 40, 42].map { Int(Int16(bitPattern: try Self.u16(data, head + $0))) }
        let hhea = try table("hhea")
        ascent = Int(Int16(bitPattern: try Self.u16(data, hhea + 4)))
        descent = Int(Int16(bitPattern: try Self.u16(data, hhea + 6)))
        let metrics = Int(try Self.u16(data, hhea + 34))
        let glyphCount = Int(try Self.u16(data, try table("maxp") + 4))
        let hmtx = try table("hmtx")
        var advances: [Int] = []
        for index in 0..<glyphCount {
            advances.append(Int(try Self.u16(data, hmtx + 4 * min(index, metrics - 1))))
        }
        self.advances = advances
        capHeight = (try? table("OS/2")).flatMap { os2 in (try? Self.u16(data, os2)).flatMap { $0 >= 2 ? try? Self.u16(data, os2 + 88) : nil } }
            .map { Int(Int16(bitPattern: $0)) } ?? ascent
        glyphs = try Self.unicodeMap(data, at: try table("cmap"))
        postScriptName = Self.postScriptName(data, at: try? table("name")) ?? "EmbeddedFont"
    }

    public func glyph(for scalar: Unicode.Scalar) -> UInt16 { glyphs[scalar.value] ?? 0 }

    /// Advance in thousandths of the font size, as PDF widths are given.
    func width(of glyph: UInt16) -> Int {
        Int(glyph) < advances.count ? advances[Int(glyph)] * 1000 / max(1, unitsPerEm) : 0
    }

    public func width(of text: String, size: Double) -> Double {
        Double(text.unicodeScalars.reduce(0) { $0 + width(of: glyph(for: $1)) }) * size / 1000
    }

    func scaled(_ value: Int) -> Int { value * 1000 / max(1, unitsPerEm) }

    // MARK: Reading tables

    /// The Unicode subtable: format 12 (full range) if present, else format 4 (BMP).
    private static func unicodeMap(_ data: [UInt8], at cmap: Int) throws -> [UInt32: UInt16] {
        var format4: Int?
        var format12: Int?
        for index in 0..<Int(try u16(data, cmap + 2)) {
            let record = cmap + 4 + 8 * index
            let (platform, encoding) = (try u16(data, record), try u16(data, record + 2))
            let offset = cmap + Int(try u32(data, record + 4))
            guard (platform == 3 && (encoding == 1 || encoding == 10)) || platform == 0 else { continue }
            switch try u16(data, offset) {
            case 4: format4 = format4 ?? offset
            case 12: format12 = format12 ?? offset
            default: continue
            }
        }
        var map: [UInt32: UInt16] = [:]
        if let table = format12 {
            for group in 0..<Int(try u32(data, table + 12)) {
                let entry = table + 16 + 12 * group
                let (start, end, first) = (try u32(data, entry), try u32(data, entry + 4), try u32(data, entry + 8))
                guard end >= start, end - start < 0x11_0000 else { continue }
                for code in start...end { map[code] = UInt16(truncatingIfNeeded: first + code - start) }
            }
            return map
        }
        guard let table = format4 else { throw FormatError(description: "The font has no Unicode character map.") }
        let segments = Int(try u16(data, table + 6)) / 2
        let ends = table + 14, starts = ends + 2 * segments + 2, deltas = starts + 2 * segments, ranges = deltas + 2 * segments
        for segment in 0..<segments {
            let (start, end) = (Int(try u16(data, starts + 2 * segment)), Int(try u16(data, ends + 2 * segment)))
            let delta = Int(try u16(data, deltas + 2 * segment))
            let rangeOffset = Int(try u16(data, ranges + 2 * segment))
            guard start <= end, start != 0xFFFF else { continue }
            for code in start...end {
                var glyph: Int
                if rangeOffset == 0 {
                    glyph = (code + delta) & 0xFFFF
                } else {
                    let address = ranges + 2 * segment + rangeOffset + 2 * (code - start)
                    glyph = Int(try u16(data, address))
                    if glyph != 0 { glyph = (glyph + delta) & 0xFFFF }
                }
                if glyph != 0 { map[UInt32(code)] = UInt16(glyph) }
            }
        }
        return map
    }

    private static func postScriptName(_ data: [UInt8], at name: Int?) -> String? {
        guard let name, let count = try? u16(data, name + 2), let storage = try? u16(data, name + 4) else { return nil }
        for index in 0..<Int(count) {
            let record = name + 6 + 12 * index
            guard let nameID = try? u16(data, record + 6), nameID == 6, let platform = try? u16(data, record),
                  let length = try? u16(data, record + 8), let offset = try? u16(data, record + 10) else { continue }
            let start = name + Int(storage) + Int(offset)
            guard start + Int(length) <= data.count else { continue }
            let bytes = data[start..<(start + Int(length))]
            let text = platform == 1 ? String(decoding: bytes, as: UTF8.self)
                : String(decoding: stride(from: bytes.startIndex, to: bytes.endIndex - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }, as: UTF16.self)
            let clean = text.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            if !clean.isEmpty { return clean }
        }
        return nil
    }

    static func u16(_ data: [UInt8], _ offset: Int) throws -> UInt16 {
        guard offset >= 0, offset + 2 <= data.count else { throw FormatError(description: "The font file is cut short.") }
        return UInt16(data[offset]) << 8 | UInt16(data[offset + 1])
    }

    static func u32(_ data: [UInt8], _ offset: Int) throws -> UInt32 {
        guard offset >= 0, offset + 4 <= data.count else { throw FormatError(description: "The font file is cut short.") }
        return UInt32(data[offset]) << 24 | UInt32(data[offset + 1]) << 16 | UInt32(data[offset + 2]) << 8 | UInt32(data[offset + 3])
    }
}
