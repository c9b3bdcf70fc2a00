/// A field test's values when any one of them will do, sorted by how they match: exact texts in a hash table (a
/// rule listing a hundred user agents costs one lookup, not a hundred comparisons), numbers in a flat list, the
/// wildcard shapes as ranges of one byte pool, and the rest (regular expressions, networks, comparisons, booleans,
/// general globs) tried one by one. Only places in a program's `SigmaValuePools`: reading one copies no reference.
struct SigmaValueSet: Sendable {
    /// Whether the test holds for a missing field: only a `null` among the values makes it so.
    let whenMissing: Bool
    let everything: Bool
    /// The set's exact-text table: `exactSize` places (a power of two, or 0) from `exactStart`.
    let exactStart: Int32
    let exactSize: Int32
    let numbers: SigmaRange
    /// Prefixes, suffixes and contained texts: consecutive runs of `pieces`.
    let prefixes: SigmaRange
    let suffixes: SigmaRange
    let contained: SigmaRange
    let others: SigmaRange
}

struct SigmaRange: Sendable {
    let start: Int32
    let count: Int32

    var range: Range<Int> { Int(start)..<Int(start + count) }
}

/// Everything a program's value sets hold, in flat arrays.
struct SigmaValuePools: Sendable {
    var bytes: [UInt8] = []
    /// Places of `bytes`: the wildcard shapes' texts.
    var pieces: [SigmaRange] = []
    /// The exact-text tables, one after another: each place's hash (0: empty) and its text in `bytes`.
    var exactHashes: [UInt64] = []
    var exactTexts: [SigmaRange] = []
    var numbers: [Double] = []
    var others: [SigmaValueTest] = []

    mutating func add(_ values: [SigmaValueTest]) -> SigmaValueSet {
        var exact: [[UInt8]] = []
        var numbers: [Double] = []
        var (prefixes, suffixes, contained): ([[UInt8]], [[UInt8]], [[UInt8]]) = ([], [], [])
        var others: [SigmaValueTest] = []
        var (whenMissing, everything) = (false, false)
        for value in values {
            switch value {
            case .null: whenMissing = true
            case .number(let number): numbers.append(number)
            case .pattern(let pattern):
                switch pattern.shape {
                case .exact(let bytes): exact.append(bytes)
                case .prefix(let bytes): prefixes.append(bytes)
                case .suffix(let bytes): suffixes.append(bytes)
                case .contains(let bytes): contained.append(bytes)
                case .everything: everything = true
                case .glob: others.append(value)
                }
            default: others.append(value)
            }
        }
        let (exactStart, exactSize) = addTable(Array(Set(exact)))
        let numberRange = SigmaRange(start: Int32(self.numbers.count), count: Int32(numbers.count))
        self.numbers.append(contentsOf: numbers)
        let otherRange = SigmaRange(start: Int32(self.others.count), count: Int32(others.count))
        self.others.append(contentsOf: others)
        return SigmaValueSet(whenMissing: whenMissing, everything: everything, exactStart: exactStart, exactSize: exactSize,
                             numbers: numberRange, prefixes: addPieces(prefixes), suffixes: addPieces(suffixes),
                             contained: addPieces(contained), others: otherRange)
    }

    private mutating func addPieces(_ literals: [[UInt8]]) -> SigmaRange {
        let range = SigmaRange(start: Int32(pieces.count), count: Int32(literals.count))
        for literal in literals { pieces.append(addBytes(literal)) }
        return range
    }

    private mutating func addBytes(_ literal: [UInt8]) -> SigmaRange {
        defer { bytes.append(contentsOf: literal) }
        return SigmaRange(start: Int32(bytes.count), count: Int32(literal.count))
    }

    private mutating func addTable(_ literals: [[UInt8]]) -> (Int32, Int32) {
        guard !literals.isEmpty else { return (0, 0) }
        var size = 2
        while size < literals.count * 2 { size <<= 1 }
        let start = exactHashes.count
        exactHashes.append(contentsOf: repeatElement(0, count: size))
        exactTexts.append(contentsOf: repeatElement(SigmaRange(start: 0, count: 0), count: size))
        for literal in literals {
            let hash = Self.hash(literal)
            var at = SigmaValuePools.place(hash) & (size - 1)
            while exactHashes[start + at] != 0 { at = (at + 1) & (size - 1) }
            exactHashes[start + at] = hash
            exactTexts[start + at] = addBytes(literal)
        }
        return (Int32(start), Int32(size))
    }

    static func hash(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBufferPointer(hash) }

    static let hashSeed: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Where a hash starts in a table: its low bit is always set (`| 1` keeps 0 for empty places), so it is left out.
    @inline(__always)
    static func place(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 1) }

    @inline(__always)
    static func hash(_ hash: UInt64, _ byte: UInt8) -> UInt64 { (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }

    /// FNV-1a; never 0, which marks an empty place.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var value = hashSeed
        for byte in bytes { value = hash(value, byte) }
        return value | 1
    }
}
