extension NGSIQueryParser {
    static let maximumLiteralLength = 256

    /// A value in q: a quoted string (`\"` and `\\` escaped), `true`/`false`, a number, or an unquoted date-time
    /// or URI (compared as text).
    mutating func literal() throws(NGSIError) -> NGSIQuery.Literal {
        if peek == UInt8(ascii: "\"") { return .text(try quoted()) }
        let start = index
        while let byte = peek, byte > 0x20, byte < 0x7F, !Self.stopBytes.contains(byte), !starts(with: "..") {
            index += 1
            guard index - start <= Self.maximumLiteralLength else { throw NGSIError(.tooComplexQuery, "a value in q is longer than \(Self.maximumLiteralLength) bytes.") }
        }
        guard index > start else { throw failure("expected a value") }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        switch token {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default:
            if Self.looksNumeric(bytes[start..<index]) {
                guard let number = Double(token), number.isFinite else { throw failure("'\(NGSINames.shown(token))' is out of range") }
                return .number(number)
            }
            return .text(token)
        }
    }

    /// `; | ) ,` end a value, and `( " ' < > = !` cannot appear unquoted.
    static let stopBytes: Set<UInt8> = [0x3B, 0x7C, 0x29, 0x2C, 0x28, 0x22, 0x27, 0x3C, 0x3E, 0x3D, 0x21]

    /// `-?digits(.digits)?([eE][+-]?digits)?`
    static func looksNumeric(_ token: ArraySlice<UInt8>) -> Bool {
        var rest = token[...]
        func digits() -> Bool {
            let count = rest.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            rest = rest.dropFirst(count)
            return count > 0
        }
        if rest.first == 0x2D { rest = rest.dropFirst() }
        guard digits() else { return false }
        if rest.first == 0x2E {
            rest = rest.dropFirst()
            guard digits() else { return false }
        }
        if rest.first == 0x65 || rest.first == 0x45 {
            rest = rest.dropFirst()
            if rest.first == 0x2B || rest.first == 0x2D { rest = rest.dropFirst() }
            guard digits() else { return false }
        }
        return rest.isEmpty
    }

    private mutating func quoted() throws(NGSIError) -> String {
        index += 1
        var text: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let next = peek, next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") else { throw failure("only \\\" and \\\\ escape in a string") }
                text.append(next)
                index += 1
            case ..<0x20:
                throw failure("a control character in a string")
            default:
                text.append(byte)
            }
            guard text.count <= Self.maximumLiteralLength else { throw NGSIError(.tooComplexQuery, "a value in q is longer than \(Self.maximumLiteralLength) bytes.") }
        }
        throw failure("a string is not closed")
    }
}
