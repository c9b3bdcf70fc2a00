import SecurityOperations
import Testing

/// TCP syslog framing (RFC 6587): octet counting and one message a line, in any cut, with bounded memory.
struct SyslogFramingTests {
    @Test func countedAndLineFramesComeOutWholeHoweverTheStreamIsCut() throws {
        let stream = Array("34 <13>1 - host app - - - hello there<14>no count\r\n".utf8) + Array("12 <13>1 - h a".utf8)
        for step in 1...stream.count {
            var framing = SyslogFraming()
            var frames: [SyslogFraming.Frame] = []
            for start in stride(from: 0, to: stream.count, by: step) {
                frames += try framing.append(stream[start..<min(stream.count, start + step)])
            }
            // The last frame counts 12 bytes but only 10 came: it waits for the rest.
            #expect(frames == [.message(Array("<13>1 - host app - - - hello there".utf8)), .message(Array("<14>no count".utf8))], "step \(step)")
        }
    }

    @Test func aLongLineIsSkippedAndABadCountEndsTheStream() throws {
        var framing = SyslogFraming(maximumBytes: 64)
        let long = Array(repeating: UInt8(ascii: "x"), count: 100)
        var frames = try framing.append(long)
        frames += try framing.append(Array(repeating: UInt8(ascii: "y"), count: 100))
        frames += try framing.append(Array("\n<13>after\n".utf8))
        #expect(frames.count == 2 && frames.last == .message(Array("<13>after".utf8)))
        guard case .oversized(let prefix) = frames.first else { Issue.record("the long line was not reported"); return }
        #expect(prefix.count <= 256 && prefix.allSatisfy { $0 == UInt8(ascii: "x") })

        var counted = SyslogFraming(maximumBytes: 64)
        #expect(throws: SyslogFraming.BrokenStream.self) { try counted.append(Array("65 ".utf8)) }
        var huge = SyslogFraming(maximumBytes: 64)
        #expect(throws: SyslogFraming.BrokenStream.self) { try huge.append(Array("99999999999999999999".utf8)) }
        var noSpace = SyslogFraming(maximumBytes: 64)
        #expect(throws: SyslogFraming.BrokenStream.self) { try noSpace.append(Array("12x".utf8)) }
    }

    /// Found by fuzzing: a line exactly at the limit, ended by CRLF, was kept whole but called too long when its
    /// bytes arrived one at a time (the CR counted before the LF showed it was a CR).
    @Test func aLineAtTheLimitEndedByCRLFIsTheSameInPieces() throws {
        let stream = Array("abcdefgh\r\nabcdefghi\r\nok\n".utf8)
        var whole = SyslogFraming(maximumBytes: 8)
        var pieces = SyslogFraming(maximumBytes: 8)
        let all = try whole.append(stream)
        var collected: [SyslogFraming.Frame] = []
        for byte in stream { collected += try pieces.append([byte]) }
        #expect(all == collected)
        #expect(all == [.message(Array("abcdefgh".utf8)), .oversized(prefix: Array("abcdefgh".utf8)), .message(Array("ok".utf8))])
    }

    /// A line sent a byte at a time is searched for its end once (the framing remembers how far it looked), and
    /// comes out as when sent whole, with empty reads and counted frames between the lines.
    @Test func linesArrivingAByteAtATimeComeOutAsWhole() throws {
        let stream = Array("<13>first line\n\r\n5 <14>x<15>second\n<16>third, not ended".utf8)
        var whole = SyslogFraming()
        let all = try whole.append(stream)
        var pieces = SyslogFraming()
        var collected: [SyslogFraming.Frame] = []
        for byte in stream {
            collected += try pieces.append([byte])
            collected += try pieces.append([UInt8]())
        }
        #expect(all == collected)
        #expect(all == [.message(Array("<13>first line".utf8)), .message(Array("<14>x".utf8)), .message(Array("<15>second".utf8))])
        collected += try pieces.append(Array("\n".utf8))
        #expect(collected.last == .message(Array("<16>third, not ended".utf8)))
    }
}
