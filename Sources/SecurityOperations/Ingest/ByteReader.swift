/// A cursor over outside bytes that never reads past the end: every access is checked, so no input can trap.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset >= bytes.count }
    var rest: ArraySlice<UInt8> { offset < bytes.count ? bytes[offset...] : [] }

    func peek(_ ahead: Int = 0) -> UInt8? {
        let index = offset + ahead
        return index >= 0 && index < bytes.count ? bytes[index] : nil
    }

    func byte(at index: Int) -> UInt8? { index >= 0 && index < bytes.count ? bytes[index] : nil }

    mutating func skip(_ count: Int) { offset = min(bytes.count, offset + max(0, count)) }

    /// The bytes up to (not including) the next space or the end, at most `limit` of them; nil when longer.
    mutating func token(limit: Int) -> [UInt8]? {
        let start = offset
        while let byte = peek(), byte != UInt8(ascii: " ") {
            guard offset - start < limit else { return nil }
            skip(1)
        }
        return Array(bytes[start..<offset])
    }

    /// Exactly `count` decimal digits as a number (nil otherwise).
    mutating func number(digits count: Int) -> Int? {
        var value = 0
        for _ in 0..<count {
            guard let byte = peek(), let digit = Self.digit(byte) else { return nil }
            value = value * 10 + digit
            skip(1)
        }
        return value
    }

    mutating func expect(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        skip(1)
        return true
    }

    static func digit(_ byte: UInt8) -> Int? { byte >= 0x30 && byte <= 0x39 ? Int(byte - 0x30) : nil }
}
