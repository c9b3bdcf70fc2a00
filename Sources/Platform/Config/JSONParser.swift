/// A strict JSON reader (RFC 8259) straight into `JSONValue`, for documents from outside that arrive by the
/// thousand (sensor batches): one pass over the bytes, no `Decodable` machinery, nesting bounded so no document can
/// recurse the stack away, a member named twice refused, and every malformed input a `JSONParser.Failure` naming the byte where reading stopped.
public struct JSONParser {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at byte \(offset + 1)" }
    }

    let bytes: [UInt8]
    var index = 0
    private let maximumDepth: Int
    private let maximumNumberLength: Int

    /// - Parameters:
    ///   - maximumDepth: how many arrays and objects may nest.
    ///   - maximumNumberLength: the longest number text; stored documents need more than requests (PostgreSQL writes
    ///     JSONB numbers without exponents, so 1e70 comes back as 71 digits).
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = 64, maximumNumberLength: Int = 64) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth, maximumNumberLength: maximumNumberLength)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.failure("text after the document") }
        return value
    }

    /// Reads the number that starts at `offset`: its value and the offset just after it.
    public static func number(in bytes: [UInt8], at offset: Int, maximumLength: Int = 64) throws(Failure) -> (Double, Int) {
        guard bytes.indices.contains(offset) else { throw Failure(offset: max(0, min(offset, bytes.count)), reason: "a value expected") }
        var parser = JSONParser(bytes: bytes, maximumDepth: 0, maximumNumberLength: maximumLength)
        parser.index = offset
        let number = try parser.number()
        return (number, parser.index)
    }

    init(bytes: [UInt8], maximumDepth: Int, maximumNumberLength: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.maximumNumberLength = maximumNumberLength
    }

    func failure(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw failure("the document ends early") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("the document ends early") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw failure("an unknown word") }
        index += count
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maximumDepth else { throw failure("nesting deeper than \(maximumDepth)") }
        index += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("a member name must be a string") }
            let key = try string()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("':' expected") }
            index += 1
            skipSpace()
            // Which of two equal names wins differs between readers (Foundation keeps the first), so neither does.
            guard members[key] == nil else { throw failure("the member \"\(key.prefix(40))\" twice") }
            members[key] = try value(depth: depth)
            skipSpace()
            guard index < bytes.count else { throw failure("the document ends early") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "}") else { throw failure("',' or '}' expected") }
            index += 1
            return .object(members)
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maximumDepth else { throw failure("nesting deeper than \(maximumDepth)") }
        index += 1
        var items: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard index < bytes.count else { throw failure("the document ends early") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "]") else { throw failure("',' or ']' expected") }
            index += 1
            return .array(items)
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, finite.
    private mutating func number() throws(Failure) -> Double {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a value expected") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("digits expected after '.'") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("digits expected in the exponent") }
            skipDigits()
        }
        guard index - start <= maximumNumberLength, let number = Double(String(decoding: bytes[start..<index], as: UTF8.self)), number.isFinite else {
            throw Failure(offset: start, reason: "a number out of range")
        }
        return number
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private mutating func skipDigits() { while index < bytes.count, isDigit(bytes[index]) { index += 1 } }
}
