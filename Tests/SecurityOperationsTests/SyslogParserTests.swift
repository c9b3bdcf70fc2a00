import Foundation
import SecurityOperations
import Testing

/// Syslog as the city's machines send it: the RFC 5424 examples, the BSD form, and what must be refused.
struct SyslogParserTests {
    static let hue = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    /// 3 December 2026, 09:00 in Huế.
    static let received = Date(timeIntervalSince1970: 1_796_263_200)
    let parser = SyslogParser(timeZone: hue, receivedAt: received)

    func parse(_ text: String) throws(SyslogError) -> SyslogMessage { try parser.parse(Array(text.utf8)) }

    @Test func theRFC5424ExamplesRead() throws {
        let first = try parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{FEFF}'su root' failed for lonvick on /dev/pts/8")
        #expect(first.format == .rfc5424 && first.facility == 4 && first.severity == 2)
        #expect(first.timestamp == Date(timeIntervalSince1970: 1_065_910_455.003))
        #expect(first.hostname == "mymachine.example.com" && first.appName == "su" && first.processID == nil && first.messageID == "ID47")
        #expect(first.structuredData.isEmpty && first.message == "'su root' failed for lonvick on /dev/pts/8" && first.validUTF8)

        let offset = try parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.")
        #expect(offset.timestamp.map { abs($0.timeIntervalSince1970 - 1_061_727_255.000003) < 1e-5 } == true)
        #expect(offset.facility == 20 && offset.severity == 5 && offset.processID == "8710" && offset.messageID == nil)

        let data = try parse(#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#)
        #expect(data.structuredData.map(\.id) == ["exampleSDID@32473", "examplePriority@32473"])
        #expect(data.structuredData.first?.parameters.map(\.name) == ["iut", "eventSource", "eventID"])
        #expect(data.structuredData.last?.parameters.first?.value == "high" && data.message.isEmpty)
    }

    @Test func parameterValuesUnescapeQuotesBackslashesAndBrackets() throws {
        let message = try parse(#"<13>1 - pc-01 kav - - [av@1 file="C:\\temp\\x.exe" name="Trojan \"A\" \]" other="a\b"] blocked"#)
        let values = message.structuredData.first?.parameters.map(\.value)
        #expect(values == [#"C:\temp\x.exe"#, #"Trojan "A" ]"#, #"a\b"#])
        #expect(message.timestamp == nil && message.message == "blocked")
    }

    @Test func theBSDFormIsReadTolerantly() throws {
        let su = try parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8")
        #expect(su.format == .rfc3164 && su.hostname == "mymachine" && su.appName == "su" && su.message == "'su root' failed for lonvick on /dev/pts/8")
        // No year: the one that puts it before it arrived (October 2026), in the city's time (UTC+7).
        #expect(su.timestamp == Date(timeIntervalSince1970: 1_791_731_655))
        let sshd = try parse("<86>Dec  3 08:59:58 sshd[4242]: Failed password for root from 203.0.113.9 port 52144 ssh2")
        #expect(sshd.hostname == nil && sshd.appName == "sshd" && sshd.processID == "4242" && sshd.message.hasPrefix("Failed password"))
        // Late December arriving in early January belongs to the year before.
        let january = SyslogParser(timeZone: Self.hue, receivedAt: Date(timeIntervalSince1970: 1_798_822_800))  // 2027-01-02 00:00 in Huế
        let december = try january.parse(Array("<13>Dec 31 23:59:00 gw kernel: x".utf8))
        #expect(december.timestamp == Date(timeIntervalSince1970: 1_798_736_340))
        // A CEF record right after the host is the message, not a tag called CEF.
        let cef = try parse("<134>Dec  3 08:15:02 av-console CEF:0|V|P|1|2|N|3|x=y")
        #expect(cef.hostname == "av-console" && cef.appName == nil && cef.message == "CEF:0|V|P|1|2|N|3|x=y")
        // No priority (the RFC's default user.notice) and no header: all of it is the message.
        let bare = try parse("just some text")
        #expect(bare.facility == 1 && bare.severity == 5 && bare.timestamp == nil && bare.message == "just some text")
    }

    @Test func badMessagesAreRefusedWithWhereReadingStopped() {
        for (text, offset) in [("<192>1 - - - - - -", 4), ("<013>1 - - - - - -", 4), ("<>x", 1), ("<1234>x", 4),
                               ("<13>1 2026-02-30T00:00:00Z h a - - -", 6), ("<13>1 2026-12-03T25:00:00Z h a - - -", 6),
                               ("<13>1 - h a - - [id a=\"open", 27), ("<13>1 - h a - - [id a=\"x]\"]", 24), ("<13>1 - h a - - [", 17),
                               ("<13>1 - h a - - - ", -1), ("<13>1 - " + String(repeating: "h", count: 256) + " a - - -", 8)] {
            do {
                let message = try parse(text)
                #expect(offset == -1 && message.message.isEmpty, "read \(text.prefix(40))")
            } catch {
                #expect(error.offset == offset, "\(text.prefix(40)): \(error)")
            }
        }
        // Over the limit, before any reading.
        #expect(throws: SyslogError.self) { try parser.parse(Array(repeating: 0x41, count: SyslogParser.maximumBytes + 1)) }
    }

    @Test func invalidUTF8IsKeptReplacedAndFlagged() throws {
        let message = try parser.parse(Array("<13>1 - h a - - - ".utf8) + [0x66, 0xFF, 0x6F])
        #expect(!message.validUTF8 && message.message == "f\u{FFFD}o")
    }
}
