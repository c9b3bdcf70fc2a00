import Foundation

/// The header and structured data of RFC 5424 (after `<PRI>1 `), strictly: field lengths and characters as the RFC
/// gives them, `-` for a field the sender left out.
enum SyslogRFC5424 {
    static let maximumElements = 64

    static func read(_ reader: inout ByteReader, priority: Int?) throws(SyslogError) -> SyslogMessage {
        guard let priority else { throw SyslogError(reason: "an RFC 5424 message starts with its priority", offset: 0) }
        var timestamp: SyslogTimeField = .absent
        let start = reader.offset
        if reader.expect(UInt8(ascii: "-")) {
            timestamp = .absent
        } else if let moment = SyslogTime.rfc5424(&reader) {
            timestamp = .given(moment)
        } else {
            throw SyslogError(reason: "the timestamp is not an RFC 3339 time", offset: start)
        }
        try space(&reader)
        let hostname = try field(&reader, limit: 255, name: "host name")
        try space(&reader)
        let appName = try field(&reader, limit: 48, name: "application name")
        try space(&reader)
        let processID = try field(&reader, limit: 128, name: "process id")
        try space(&reader)
        let messageID = try field(&reader, limit: 32, name: "message id")
        try space(&reader)
        let elements = try structuredData(&reader)
        if !reader.isAtEnd { try space(&reader) }
        var text = Array(reader.rest)
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text.removeFirst(3) }
        var message = SyslogMessage(format: .rfc5424, priority: priority, message: text)
        if case .given(let moment) = timestamp { message.timestamp = moment }
        message.hostname = hostname
        message.appName = appName
        message.processID = processID
        message.messageID = messageID
        message.structuredData = elements
        return message
    }

    private enum SyslogTimeField { case absent, given(Date) }

    private static func space(_ reader: inout ByteReader) throws(SyslogError) {
        guard reader.expect(UInt8(ascii: " ")) else { throw SyslogError(reason: "a space was expected", offset: reader.offset) }
    }

    /// A header field: `-`, or 1…`limit` printable ASCII characters.
    private static func field(_ reader: inout ByteReader, limit: Int, name: String) throws(SyslogError) -> String? {
        let start = reader.offset
        guard let bytes = reader.token(limit: limit), !bytes.isEmpty, bytes.allSatisfy({ (33...126).contains($0) }) else {
            throw SyslogError(reason: "the \(name) is not 1 to \(limit) printable ASCII characters", offset: start)
        }
        return bytes == [UInt8(ascii: "-")] ? nil : String(decoding: bytes, as: UTF8.self)
    }

    private static func structuredData(_ reader: inout ByteReader) throws(SyslogError) -> [SyslogMessage.Element] {
        if reader.peek() == UInt8(ascii: "-") {
            reader.skip(1)
            return []
        }
        var elements: [SyslogMessage.Element] = []
        while reader.peek() == UInt8(ascii: "[") {
            guard elements.count < maximumElements else { throw SyslogError(reason: "more than \(maximumElements) structured data elements", offset: reader.offset) }
            reader.skip(1)
            var element = SyslogMessage.Element(id: try name(&reader, what: "structured data id"), parameters: [])
            while reader.expect(UInt8(ascii: " ")) {
                let parameter = try name(&reader, what: "parameter name")
                guard reader.expect(UInt8(ascii: "=")), reader.expect(UInt8(ascii: "\"")) else {
                    throw SyslogError(reason: "a parameter is name=\"value\"", offset: reader.offset)
                }
                element.parameters.append((parameter, try value(&reader)))
            }
            guard reader.expect(UInt8(ascii: "]")) else { throw SyslogError(reason: "a structured data element ends with ]", offset: reader.offset) }
            elements.append(element)
        }
        guard !elements.isEmpty else { throw SyslogError(reason: "structured data is - or [elements]", offset: reader.offset) }
        return elements
    }

    /// SD-NAME: 1…32 printable ASCII characters other than `=`, space, `]` and `"`.
    private static func name(_ reader: inout ByteReader, what: String) throws(SyslogError) -> String {
        let start = reader.offset
        while let byte = reader.peek(), (33...126).contains(byte), byte != UInt8(ascii: "="), byte != UInt8(ascii: "]"), byte != UInt8(ascii: "\"") {
            guard reader.offset - start < 32 else { throw SyslogError(reason: "a \(what) is at most 32 characters", offset: reader.offset) }
            reader.skip(1)
        }
        guard reader.offset > start else { throw SyslogError(reason: "a \(what) was expected", offset: reader.offset) }
        return String(decoding: reader.bytes[start..<reader.offset], as: UTF8.self)
    }

    /// PARAM-VALUE up to the closing quote: `\"`, `\\` and `\]` stand for the character; any other backslash stays.
    private static func value(_ reader: inout ByteReader) throws(SyslogError) -> String {
        var bytes: [UInt8] = []
        while let byte = reader.peek() {
            reader.skip(1)
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                if let next = reader.peek(), next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") || next == UInt8(ascii: "]") {
                    bytes.append(next)
                    reader.skip(1)
                } else {
                    bytes.append(byte)
                }
            case UInt8(ascii: "]"): throw SyslogError(reason: "] inside a parameter value must be escaped", offset: reader.offset - 1)
            default: bytes.append(byte)
            }
        }
        throw SyslogError(reason: "a parameter value is not closed", offset: reader.offset)
    }
}
