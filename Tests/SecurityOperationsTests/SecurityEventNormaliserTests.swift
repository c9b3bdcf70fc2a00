import Foundation
import Platform
import SecurityOperations
import Testing

/// What reaches the rules: syslog, CEF inside syslog and ECS lines, all under ECS names.
struct SecurityEventNormaliserTests {
    let parser = SyslogParser(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!, receivedAt: Date(timeIntervalSince1970: 1_796_263_200))

    @Test func aCEFRecordInsideSyslogBecomesADeniedMalwareEvent() throws {
        let raw = Array(#"<134>Dec  3 08:15:02 av-console CEF:0|Kaspersky Lab|Security Center|14.2|GNRL_EV_VIRUS_FOUND|Virus found|High|dhost=pc-ubnd-017 src=10.20.3.17 act=Quarantined fname=invoice.pdf.exe"#.utf8)
        let event = SecurityEventNormaliser.event(from: try parser.parse(raw), raw: raw, receivedAt: parser.receivedAt)
        #expect(event.source == .cef && event.raw == raw)
        #expect(event.text("host.name") == "pc-ubnd-017" && event.text("source.ip") == "10.20.3.17" && event.text("file.name") == "invoice.pdf.exe")
        #expect(event.text("observer.hostname") == "av-console")
        // "CEF:" inside a logged value is not a record: a user name cannot rewrite the event.
        let sneaky = Array(#"<38>Dec  3 08:15:02 gw-01 sshd[77]: Failed password for CEF:0|a|b|c|d|e|0|dhost=dc01 act=allow from 203.0.113.9"#.utf8)
        let plain = SecurityEventNormaliser.event(from: try parser.parse(sneaky), raw: sneaky, receivedAt: parser.receivedAt)
        #expect(plain.source == .syslog && plain.text("host.name") == "gw-01" && plain.fields["event.type"] == nil)
        #expect(event.fields["event.type"] == .array([.string("denied")]) && event.text("event.action") == "Quarantined")
        #expect(event.text("observer.product") == "Security Center" && event.text("rule.name") == "Virus found" && event.fields["event.severity"] == .number(8))
        #expect(event.timestamp == Date(timeIntervalSince1970: 1_796_260_502))
        #expect(event.fields["error.type"] == nil)

        // A CEF record with a bad escape stays a syslog event with its raw bytes, marked malformed with the reason.
        let broken = Array(#"<134>Dec  3 08:15:02 av-console CEF:0|V|P|1|2|N|3|msg=a\qb"#.utf8)
        let kept = SecurityEventNormaliser.event(from: try parser.parse(broken), raw: broken, receivedAt: parser.receivedAt)
        #expect(kept.source == .syslog && kept.raw == broken && kept.text("error.type") == "malformed-cef")
        #expect(kept.text("error.message")?.contains("backslash") == true && kept.text("host.name") == "av-console")
    }

    @Test func plainSyslogAndECSKeepTheirFields() throws {
        let raw = Array(#"<86>1 2026-12-03T01:00:00Z gw-01 sshd 4242 AUTH [origin@1 ip="203.0.113.9"] Failed password for root"#.utf8)
        let event = SecurityEventNormaliser.event(from: try parser.parse(raw), raw: raw, receivedAt: parser.receivedAt)
        #expect(event.source == .syslog && event.text("host.name") == "gw-01" && event.text("process.name") == "sshd")
        #expect(event.fields["process.pid"] == .number(4242) && event.text("event.code") == "AUTH" && event.text("message") == "Failed password for root")
        #expect(event.text("log.syslog.structured_data.origin@1.ip") == "203.0.113.9" && event.fields["log.syslog.severity.code"] == .number(6))

        let line = Array(#"{"@timestamp":"2026-12-02T17:30:00+07:00","event":{"type":["denied"]},"host":{"name":"pc-2"}}"#.utf8)
        let ecs = SecurityEventNormaliser.event(fromECS: try ECSLine.parse(line), raw: line, receivedAt: parser.receivedAt)
        #expect(ecs.timestamp == Date(timeIntervalSince1970: 1_796_207_400) && ecs.text("host.name") == "pc-2")
        let undated = SecurityEventNormaliser.event(fromECS: try ECSLine.parse(Array(#"{"@timestamp":"yesterday"}"#.utf8)), raw: [], receivedAt: parser.receivedAt)
        #expect(undated.timestamp == parser.receivedAt)
    }
}
