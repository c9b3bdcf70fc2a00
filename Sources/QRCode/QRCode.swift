// Hand-written: no QR encoder exists among the Swift packages in the mirror; zbarimg checks it in the tests.
/// A QR code symbol (ISO/IEC 18004) in byte mode: the square of dark and light modules, ready to draw.
///
/// Byte mode carries any payload (URLs, VietQR strings, UTF-8 text) at the cost of some capacity, which is the
/// trade we want: one encoder path, tested end to end by a real decoder.
public struct QRCode: Sendable, Equatable {
    public let version: Int
    public let level: ErrorCorrection
    public let mask: Int
    /// Modules per side: 17 + 4 × version.
    public let size: Int
    /// Row-major, `true` for dark.
    public let modules: [Bool]

    public subscript(x: Int, y: Int) -> Bool { modules[y * size + x] }

    public enum EncodingError: Error, Equatable, CustomStringConvertible {
        case tooLong(bytes: Int, capacity: Int)
        public var description: String {
            switch self {
            case let .tooLong(bytes, capacity): "\(bytes) bytes do not fit in a QR code at this level (at most \(capacity))"
            }
        }
    }

    /// Text as UTF-8; text beyond ASCII is announced with ECI 26 (UTF-8), or readers guess another encoding.
    public init(text: String, level: ErrorCorrection = .medium) throws {
        try self.init(bytes: Array(text.utf8), level: level, announceUTF8: text.contains { !$0.isASCII })
    }

    /// Encodes in the smallest version that holds the payload at `level`, with the mask of lowest penalty.
    public init(bytes: [UInt8], level: ErrorCorrection = .medium, minimumVersion: Int = 1, announceUTF8: Bool = false) throws {
        var chosen: Int?
        let eciBits = announceUTF8 ? 12 : 0
        for version in max(1, minimumVersion)...40
        where Self.bitsNeeded(count: bytes.count, version: version) + eciBits <= BlockTable.dataCodewords(version: version, level: level) * 8 {
            chosen = version
            break
        }
        guard let version = chosen else {
            throw EncodingError.tooLong(bytes: bytes.count, capacity: Self.capacity(version: 40, level: level))
        }
        let data = Self.dataCodewords(bytes, version: version, level: level, announceUTF8: announceUTF8)
        let codewords = Self.interleaved(data, version: version, level: level)
        var grid = ModuleGrid(version: version)
        grid.drawFunctionPatterns()
        grid.place(codewords)
        func masked(_ mask: Int) -> (mask: Int, penalty: Int, grid: ModuleGrid) {
            var candidate = grid
            candidate.apply(mask: mask)
            candidate.drawFormat(level: level, mask: mask)
            return (mask, candidate.penalty(), candidate)
        }
        var winner = masked(0)
        for mask in 1..<8 {
            let candidate = masked(mask)
            if candidate.penalty < winner.penalty { winner = candidate }
        }
        self.version = version
        self.level = level
        self.mask = winner.mask
        self.size = winner.grid.size
        self.modules = winner.grid.dark
    }

    /// The most bytes a version holds at a level.
    public static func capacity(version: Int, level: ErrorCorrection) -> Int {
        let bits = BlockTable.dataCodewords(version: version, level: level) * 8 - 4 - (version <= 9 ? 8 : 16)
        return bits / 8
    }

    private static func bitsNeeded(count: Int, version: Int) -> Int {
        let countBits = version <= 9 ? 8 : 16
        guard count < 1 << countBits else { return Int.max }
        return 4 + countBits + 8 * count
    }

    /// Mode indicator, character count, payload, terminator and pad codewords.
    private static func dataCodewords(_ bytes: [UInt8], version: Int, level: ErrorCorrection, announceUTF8: Bool) -> [UInt8] {
        var bits = BitBuffer()
        if announceUTF8 {
            bits.append(0b0111, count: 4)  // ECI mode
            bits.append(26, count: 8)  // designator 26: UTF-8
        }
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: version <= 9 ? 8 : 16)
        for byte in bytes { bits.append(Int(byte), count: 8) }
        let capacityBits = BlockTable.dataCodewords(version: version, level: level) * 8
        bits.append(0, count: min(4, capacityBits - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count * 8 < capacityBits {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits data into the version's blocks, adds each block's error correction and interleaves them.
    private static func interleaved(_ data: [UInt8], version: Int, level: ErrorCorrection) -> [UInt8] {
        let blocks = BlockTable.blockCount[level.tableIndex][version]
        let eccLength = BlockTable.eccCodewordsPerBlock[level.tableIndex][version]
        let total = BlockTable.totalCodewords(version: version)
        let shortBlocks = blocks - total % blocks
        let shortLength = total / blocks
        let reedSolomon = ReedSolomon(degree: eccLength)
        var dataBlocks: [ArraySlice<UInt8>] = []
        var eccBlocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blocks {
            let length = shortLength - eccLength + (index < shortBlocks ? 0 : 1)
            let block = data[start..<(start + length)]
            start += length
            dataBlocks.append(block)
            eccBlocks.append(reedSolomon.remainder(of: block))
        }
        var result: [UInt8] = []
        result.reserveCapacity(total)
        for column in 0...(shortLength - eccLength) {
            for block in dataBlocks where column < block.count { result.append(block[block.startIndex + column]) }
        }
        for column in 0..<eccLength {
            for block in eccBlocks { result.append(block[column]) }
        }
        return result
    }
}

struct BitBuffer {
    private(set) var bits: [Bool] = []
    var count: Int { bits.count }

    mutating func append(_ value: Int, count: Int) {
        guard count > 0 else { return }
        for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
    }

    var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            (0..<8).reduce(UInt8(0)) { byte, offset in
                let index = start + offset
                return byte << 1 | (index < bits.count && bits[index] ? 1 : 0)
            }
        }
    }
}
