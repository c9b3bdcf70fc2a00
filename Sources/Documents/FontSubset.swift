/// A TrueType file holding only the glyphs a document uses (plus the components of composite glyphs), and only the
/// tables a PDF reader needs: embedding all of DejaVu Sans would add 750 kB to every receipt slip.
enum FontSubset {
    static func make(_ font: TrueTypeFont, keeping used: Set<UInt16>) throws -> [UInt8] {
        let data = font.data
        var tables: [String: (offset: Int, length: Int)] = [:]
        for index in 0..<Int(try TrueTypeFont.u16(data, 4)) {
            let record = 12 + 16 * index
            tables[String(decoding: data[record..<(record + 4)], as: UTF8.self)] = (Int(try TrueTypeFont.u32(data, record + 8)),
                                                                                    Int(try TrueTypeFont.u32(data, record + 12)))
        }
        guard let head = tables["head"], let loca = tables["loca"], let glyf = tables["glyf"], let maxp = tables["maxp"] else {
            throw TrueTypeFont.FormatError(description: "The font has no TrueType outlines (glyf/loca).")
        }
        let longOffsets = try TrueTypeFont.u16(data, head.offset + 50) == 1
        let glyphCount = Int(try TrueTypeFont.u16(data, maxp.offset + 4))
        func location(_ glyph: Int) throws -> Int {
            longOffsets ? Int(try TrueTypeFont.u32(data, loca.offset + 4 * glyph)) : Int(try TrueTypeFont.u16(data, loca.offset + 2 * glyph)) * 2
        }
        // Close the set over composite glyphs' components.
        var keep = used.union([0])
        var pending = Array(keep)
        while let glyph = pending.popLast() {
            guard Int(glyph) < glyphCount else { continue }
            let start = glyf.offset + (try location(Int(glyph)))
            let end = glyf.offset + (try location(Int(glyph) + 1))
            guard end - start >= 10, Int16(bitPattern: try TrueTypeFont.u16(data, start)) < 0 else { continue }
            var cursor = start + 10
            while true {
                let flags = try TrueTypeFont.u16(data, cursor)
                let component = try TrueTypeFont.u16(data, cursor + 2)
                if keep.insert(component).inserted { pending.append(component) }
                cursor += 4 + (flags & 0x0001 != 0 ? 4 : 2)
                if flags & 0x0008 != 0 { cursor += 2 } else if flags & 0x0040 != 0 { cursor += 4 } else if flags & 0x0080 != 0 { cursor += 8 }
                if flags & 0x0020 == 0 { break }
            }
        }
        var newGlyf: [UInt8] = []
        var newLoca: [UInt8] = []
        for glyph in 0..<glyphCount {
            newLoca += bigEndian32(UInt32(newGlyf.count))
            if keep.contains(UInt16(glyph)) {
                let start = glyf.offset + (try location(glyph)), end = glyf.offset + (try location(glyph + 1))
                if end > start, end <= data.count {
                    newGlyf += data[start..<end]
                    while newGlyf.count % 4 != 0 { newGlyf.append(0) }
                }
            }
        }
        newLoca += bigEndian32(UInt32(newGlyf.count))
        var newHead = Array(data[head.offset..<(head.offset + head.length)])
        newHead[8..<12] = [0, 0, 0, 0]  // checkSumAdjustment, left zero: PDF readers do not check it
        newHead[50] = 0
        newHead[51] = 1  // long loca offsets
        var output: [String: [UInt8]] = ["head": newHead, "loca": newLoca, "glyf": newGlyf]
        for tag in ["hhea", "maxp", "hmtx", "cvt ", "fpgm", "prep"] {
            if let table = tables[tag], table.offset + table.length <= data.count { output[tag] = Array(data[table.offset..<(table.offset + table.length)]) }
        }
        return assemble(output)
    }

    private static func assemble(_ tables: [String: [UInt8]]) -> [UInt8] {
        let tags = tables.keys.sorted()
        var searchRange = 1, selector = 0
        while searchRange * 2 <= tags.count { searchRange *= 2; selector += 1 }
        var file: [UInt8] = [0, 1, 0, 0]
        file += bigEndian16(UInt16(tags.count)) + bigEndian16(UInt16(searchRange * 16)) + bigEndian16(UInt16(selector))
            + bigEndian16(UInt16(tags.count * 16 - searchRange * 16))
        var offset = 12 + 16 * tags.count
        var bodies: [UInt8] = []
        for tag in tags {
            let table = tables[tag] ?? []
            var padded = table
            while padded.count % 4 != 0 { padded.append(0) }
            var sum: UInt32 = 0
            for index in stride(from: 0, to: padded.count, by: 4) {
                sum &+= UInt32(padded[index]) << 24 | UInt32(padded[index + 1]) << 16 | UInt32(padded[index + 2]) << 8 | UInt32(padded[index + 3])
            }
            file += Array(tag.utf8) + bigEndian32(sum) + bigEndian32(UInt32(offset)) + bigEndian32(UInt32(table.count))
            bodies += padded
            offset += padded.count
        }
        return file + bodies
    }

    static func bigEndian16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func bigEndian32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
}
