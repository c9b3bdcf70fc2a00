/// Splits a TCP stream of syslog messages into frames (RFC 6587): octet counting (`LEN SP MSG`) when a frame starts
/// with a digit, otherwise one message a line (LF, a CR before it dropped). Memory is bounded: at most
/// `maximumBytes` are held; a line longer than that is skipped to its end and reported, and a count that is not a
/// number or over the limit ends the stream (no frame boundary can be trusted after it).
public struct SyslogFraming: Sendable {
    public enum Frame: Sendable, Equatable {
        case message([UInt8])
        /// A line too long to keep (its first bytes, for inspection).
        case oversized(prefix: [UInt8])
    }

    public struct BrokenStream: Error, Sendable, Equatable {
        public let reason: String
    }

    public let maximumBytes: Int
    private var buffer: [UInt8] = []
    private var skippingLine = false
    /// Bytes at the head of `buffer` already searched for a line feed: a line arriving a byte at a time is searched
    /// once, not once per byte (64 KiB sent in one-byte segments would otherwise cost two billion comparisons).
    private var searched = 0

    /// What is kept of a line too long: never more than the limit, so it is the same bytes however the line arrived.
    private var keptPrefix: Int { min(256, maximumBytes) }

    public init(maximumBytes: Int = SyslogParser.maximumBytes) {
        self.maximumBytes = maximumBytes
    }

    /// Takes the next bytes read from the connection and returns the frames they complete.
    public mutating func append(_ bytes: some Collection<UInt8>) throws(BrokenStream) -> [Frame] {
        let (frames, broken) = read(bytes)
        if let broken { throw broken }
        return frames
    }

    /// The frames the bytes complete, and, when the stream broke after them, why: the frames before a bad count are
    /// as good as any and are not lost with the connection.
    public mutating func read(_ bytes: some Collection<UInt8>) -> (frames: [Frame], broken: BrokenStream?) {
        buffer.append(contentsOf: bytes)
        var frames: [Frame] = []
        var start = 0
        do {
            try frame(into: &frames, from: &start)
        } catch {
            buffer.removeAll()
            return (frames, error)
        }
        buffer.removeFirst(start)
        return (frames, nil)
    }

    private mutating func frame(into frames: inout [Frame], from start: inout Int) throws(BrokenStream) {
        let resume = searched
        searched = 0
        while start < buffer.count {
            if skippingLine {
                guard let end = buffer[start...].firstIndex(of: 0x0A) else { start = buffer.count; break }
                skippingLine = false
                start = end + 1
                continue
            }
            if ByteReader.digit(buffer[start]) != nil {
                guard let (length, body) = try countedFrame(from: start) else { break }
                frames.append(.message(Array(buffer[body..<(body + length)])))
                start = body + length
            } else if let end = buffer[(start == 0 ? min(resume, buffer.count) : start)...].firstIndex(of: 0x0A) {
                var line = Array(buffer[start..<end])
                if line.last == 0x0D { line.removeLast() }
                if !line.isEmpty { frames.append(line.count <= maximumBytes ? .message(line) : .oversized(prefix: Array(line.prefix(keptPrefix)))) }
                start = end + 1
            } else if buffer.count - start > maximumBytes + 1 {
                // One byte over the limit may still be the CR of a line that fits: only past that is the line too
                // long, whichever way the stream was cut (a fuzzed stream found the difference).
                frames.append(.oversized(prefix: Array(buffer[start...].prefix(keptPrefix))))
                skippingLine = true
                start = buffer.count
            } else {
                searched = buffer.count - start
                break
            }
        }
    }

    /// The length and body start of an octet-counted frame at `start`, or nil when more bytes are needed.
    private func countedFrame(from start: Int) throws(BrokenStream) -> (Int, Int)? {
        var length = 0
        var index = start
        while index < buffer.count, let digit = ByteReader.digit(buffer[index]) {
            guard index - start < 6 else { throw BrokenStream(reason: "a frame length has more than six digits") }
            length = length * 10 + digit
            index += 1
        }
        guard index < buffer.count else { return nil }
        guard buffer[index] == UInt8(ascii: " "), length > 0, length <= maximumBytes else {
            throw BrokenStream(reason: "a frame length is not 1 to \(maximumBytes) followed by a space")
        }
        let body = index + 1
        return buffer.count - body >= length ? (length, body) : nil
    }
}
