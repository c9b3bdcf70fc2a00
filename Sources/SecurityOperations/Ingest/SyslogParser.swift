import Foundation

/// Reads one syslog message. RFC 5424 when the priority is followed by version `1`; otherwise the BSD form of RFC
/// 3164, read tolerantly (its timestamp has no year or zone: the year of `receivedAt` and the city's zone). Bytes
/// from the whole city network: every length is bounded, every number read digit by digit within its range.
public struct SyslogParser: Sendable {
    public static let maximumBytes = 65_536
    public var timeZone: TimeZone
    public var receivedAt: Date

    public init(timeZone: TimeZone, receivedAt: Date) {
        self.timeZone = timeZone
        self.receivedAt = receivedAt
    }

    public func parse(_ bytes: [UInt8]) throws(SyslogError) -> SyslogMessage {
        guard bytes.count <= Self.maximumBytes else { throw SyslogError(reason: "longer than \(Self.maximumBytes) bytes", offset: Self.maximumBytes) }
        var reader = ByteReader(bytes)
        let priority = try readPriority(&reader)
        if reader.peek() == UInt8(ascii: "1"), reader.peek(1) == UInt8(ascii: " ") {
            reader.skip(2)
            return try SyslogRFC5424.read(&reader, priority: priority)
        }
        return SyslogRFC3164.read(&reader, priority: priority ?? 13, timeZone: timeZone, receivedAt: receivedAt)
    }

    /// `<PRI>`: 0…191 in at most three digits, no leading zero but `<0>`. Absent in some BSD senders (nil).
    private func readPriority(_ reader: inout ByteReader) throws(SyslogError) -> Int? {
        guard reader.peek() == UInt8(ascii: "<") else { return nil }
        reader.skip(1)
        let start = reader.offset
        var value = 0
        while let byte = reader.peek(), byte != UInt8(ascii: ">") {
            guard let digit = ByteReader.digit(byte), reader.offset - start < 3 else { throw SyslogError(reason: "the priority is not <0> to <191>", offset: reader.offset) }
            value = value * 10 + digit
            reader.skip(1)
        }
        let length = reader.offset - start
        guard reader.peek() == UInt8(ascii: ">"), length > 0, value <= 191, length == 1 || bytesAt(reader, start) != UInt8(ascii: "0") else {
            throw SyslogError(reason: "the priority is not <0> to <191>", offset: reader.offset)
        }
        reader.skip(1)
        return value
    }

    private func bytesAt(_ reader: ByteReader, _ offset: Int) -> UInt8? { reader.byte(at: offset) }
}

extension SyslogMessage {
    init(format: Format, priority: Int, message: [UInt8]) {
        self.format = format
        facility = priority / 8
        severity = priority % 8
        structuredData = []
        let decoded = String(decoding: message, as: UTF8.self)
        self.message = decoded
        validUTF8 = String(validating: message, as: UTF8.self) != nil
    }
}
