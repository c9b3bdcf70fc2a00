/// Reads a CEF record from the text after any syslog header. Escapes are strict (the "bad escapes" are
/// refused, and the ingest keeps the raw line): in the header `\|` and `\\`; in extension values `\=`, `\\`, `\n` and
/// `\r`. Bounded: at most `maximumExtensions` pairs, keys of 1…63 characters.
public enum CEFParser {
    public static let maximumExtensions = 256
    public static let maximumBytes = SyslogParser.maximumBytes

    /// Finds `CEF:` in `text` (a syslog message's text, or a bare line) and reads from there.
    public static func parse(_ text: [UInt8]) throws(CEFError) -> CEFEvent {
        guard text.count <= maximumBytes else { throw CEFError(reason: "longer than \(maximumBytes) bytes", offset: maximumBytes) }
        guard let start = find(Array("CEF:".utf8), in: text) else { throw CEFError(reason: "no CEF: header", offset: 0) }
        var fields: [String] = []
        var index = start + 4
        var field: [UInt8] = []
        while fields.count < 7 {
            guard index < text.count else { throw CEFError(reason: "the header has \(fields.count + 1) of its 8 fields", offset: index) }
            let byte = text[index]
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < text.count, text[index + 1] == UInt8(ascii: "|") || text[index + 1] == UInt8(ascii: "\\") else {
                    throw CEFError(reason: "a backslash in the header escapes only | or \\", offset: index)
                }
                field.append(text[index + 1])
                index += 2
            } else if byte == UInt8(ascii: "|") {
                fields.append(String(decoding: field, as: UTF8.self))
                field = []
                index += 1
            } else {
                field.append(byte)
                index += 1
            }
        }
        guard let version = Int(fields[0]), (0...1).contains(version) else { throw CEFError(reason: "the CEF version is not 0 or 1", offset: start + 4) }
        guard let severity = severity(fields[6]) else { throw CEFError(reason: "the severity is not 0 to 10 or Low/Medium/High/Very-High", offset: index - 1) }
        let extensions = try CEFExtensions.read(text, from: index)
        return CEFEvent(version: version, vendor: fields[1], product: fields[2], deviceVersion: fields[3], signatureID: fields[4], name: fields[5],
                        severity: severity, extensions: extensions)
    }

    static func severity(_ text: String) -> Int? {
        if text.utf8.count <= 2, let number = Int(text), (0...10).contains(number) { return number }
        switch text.lowercased() {
        case "unknown": return 0
        case "low": return 3
        case "medium": return 6
        case "high": return 8
        case "very-high": return 10
        default: return nil
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}

/// The `key=value` pairs after the header: a value runs to the space before the next unescaped `key=`.
enum CEFExtensions {
    static func read(_ text: [UInt8], from start: Int) throws(CEFError) -> [CEFEvent.Extension] {
        var pairs: [CEFEvent.Extension] = []
        var index = start
        while index < text.count, text[index] == UInt8(ascii: " ") { index += 1 }
        guard index < text.count else { return [] }
        var key = try readKey(text, at: &index)
        var value: [UInt8] = []
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < text.count, let escaped = unescape(text[index + 1]) else {
                    throw CEFError(reason: "a backslash in a value escapes only =, \\, n or r", offset: index)
                }
                value.append(escaped)
                index += 2
                continue
            }
            if byte == UInt8(ascii: " ") {
                var next = index + 1
                // A look ahead: a space not followed by `key=` is part of the value, so its refusal is the answer.
                if let nextKey = try? readKey(text, at: &next) {
                    try append(&pairs, key, value, at: index)
                    key = nextKey
                    value = []
                    index = next
                    continue
                }
            }
            if byte == UInt8(ascii: "=") { throw CEFError(reason: "an = in a value must be escaped", offset: index) }
            value.append(byte)
            index += 1
        }
        try append(&pairs, key, value, at: index)
        return pairs
    }

    private static func append(_ pairs: inout [CEFEvent.Extension], _ key: String, _ value: [UInt8], at offset: Int) throws(CEFError) {
        guard pairs.count < CEFParser.maximumExtensions else { throw CEFError(reason: "more than \(CEFParser.maximumExtensions) extensions", offset: offset) }
        var trimmed = value[...]
        while trimmed.last == UInt8(ascii: " ") { trimmed = trimmed.dropLast() }
        pairs.append(CEFEvent.Extension(key: key, value: String(decoding: trimmed, as: UTF8.self)))
    }

    /// A key (letters, digits, `_`, `.`, `[`, `]`, `-`; 1…63 of them) and its `=`; `index` moves past the `=`.
    private static func readKey(_ text: [UInt8], at index: inout Int) throws(CEFError) -> String {
        let start = index
        var cursor = index
        while cursor < text.count, isKeyByte(text[cursor]) {
            guard cursor - start < 63 else { throw CEFError(reason: "an extension key is longer than 63 characters", offset: cursor) }
            cursor += 1
        }
        guard cursor > start, cursor < text.count, text[cursor] == UInt8(ascii: "=") else { throw CEFError(reason: "an extension is key=value", offset: cursor) }
        index = cursor + 1
        return String(decoding: text[start..<cursor], as: UTF8.self)
    }

    private static func unescape(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "\\"): return byte
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        default: return nil
        }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || "_.[]-".utf8.contains(byte)
    }
}
