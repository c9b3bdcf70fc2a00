import Foundation

/// The BSD form (RFC 3164 §4.1), read as devices really send it: `Mmm dd hh:mm:ss host tag[pid]: text`, with any part
/// after the priority possibly missing. It never refuses: what does not fit the form is the message text.
enum SyslogRFC3164 {
    static func read(_ reader: inout ByteReader, priority: Int, timeZone: TimeZone, receivedAt: Date) -> SyslogMessage {
        let timestamp = SyslogTime.rfc3164(&reader, timeZone: timeZone, receivedAt: receivedAt)
        var hostname: String?
        if timestamp != nil {
            _ = reader.expect(UInt8(ascii: " "))
            // A host name, unless the first word is already the tag (`su: …`, `sshd[42]: …`).
            var probe = reader
            if let word = probe.token(limit: 255), !word.isEmpty, word.last != UInt8(ascii: ":"), !word.contains(UInt8(ascii: "[")),
               word.allSatisfy({ (33...126).contains($0) }), probe.expect(UInt8(ascii: " ")) {
                hostname = String(decoding: word, as: UTF8.self)
                reader = probe
            }
        }
        let (tag, processID) = readTag(&reader)
        var message = SyslogMessage(format: .rfc3164, priority: priority, message: Array(reader.rest))
        message.timestamp = timestamp
        message.hostname = hostname
        message.appName = tag
        message.processID = processID
        return message
    }

    /// `tag:` or `tag[pid]:` (a tag of at most 32 letters, digits, `-`, `_`, `.` or `/`), then one space.
    private static func readTag(_ reader: inout ByteReader) -> (String?, String?) {
        var probe = reader
        let start = probe.offset
        while let byte = probe.peek(), isTagByte(byte), probe.offset - start < 32 { probe.skip(1) }
        guard probe.offset > start else { return (nil, nil) }
        let tag = String(decoding: probe.bytes[start..<probe.offset], as: UTF8.self)
        var processID: String?
        if probe.expect(UInt8(ascii: "[")) {
            let pidStart = probe.offset
            while let byte = probe.peek(), byte != UInt8(ascii: "]"), (33...126).contains(byte), probe.offset - pidStart < 128 { probe.skip(1) }
            guard probe.peek() == UInt8(ascii: "]") else { return (nil, nil) }
            processID = String(decoding: probe.bytes[pidStart..<probe.offset], as: UTF8.self)
            probe.skip(1)
        }
        // `CEF:0|…` right after the host is the record itself, not a tag called CEF.
        guard processID != nil || tag != "CEF" || probe.peek(1).flatMap(ByteReader.digit) == nil else { return (nil, nil) }
        guard probe.expect(UInt8(ascii: ":")) else { return (nil, nil) }
        _ = probe.expect(UInt8(ascii: " "))
        reader = probe
        return (tag, processID)
    }

    private static func isTagByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || "-_./".utf8.contains(byte)
    }
}
