extension JSONParser {
    /// A string's text: escapes resolved (`\uXXXX` with surrogate pairs), raw control characters and invalid UTF-8
    /// refused.
    mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        // The common case has no escapes: the bytes between the quotes are the text.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            defer { index += 1 }
            return try text(bytes[start..<index])
        }
        var out = Array(bytes[start..<index])
        while true {
            guard index < bytes.count else { throw failure("a string is not closed") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return try text(out[...])
            }
            guard byte >= 0x20 else { throw failure("a control character in a string") }
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { throw failure("a string is not closed") }
            index += 2
            switch bytes[index - 1] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
            default: throw failure("an unknown escape")
            }
        }
    }

    private func text(_ slice: ArraySlice<UInt8>) throws(Failure) -> String {
        guard let text = String(validating: slice, as: UTF8.self) else { throw failure("a string that is not UTF-8") }
        return text
    }

    /// After `\u`: four hex digits, and for a high surrogate the `\uXXXX` of its low half; the character's UTF-8.
    private mutating func unicodeEscape() throws(Failure) -> [UInt8] {
        let first = try hex4()
        var scalarValue = first
        if (0xD800...0xDBFF).contains(first) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw failure("a lone surrogate")
            }
            index += 2
            let second = try hex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw failure("a lone surrogate") }
            scalarValue = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw failure("a lone surrogate") }
        // PostgreSQL cannot store U+0000 in text or JSONB: refused here, where the sender learns which byte.
        guard scalarValue != 0 else { throw failure("a NUL character in a string") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("a \\u escape is cut short") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

extension JSONParser {
    /// Reads the string whose opening quote is at `offset`, for readers that walk a document themselves and leave
    /// escapes to this one: its text and the offset just after its closing quote.
    public static func string(in bytes: [UInt8], at offset: Int) throws(Failure) -> (String, Int) {
        guard bytes.indices.contains(offset), bytes[offset] == UInt8(ascii: "\"") else {
            throw Failure(offset: max(0, min(offset, bytes.count)), reason: "a string expected")
        }
        var parser = JSONParser(bytes: bytes, maximumDepth: 0, maximumNumberLength: 0)
        parser.index = offset
        let text = try parser.string()
        return (text, parser.index)
    }
}
