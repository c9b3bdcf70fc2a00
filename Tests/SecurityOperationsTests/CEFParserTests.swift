import SecurityOperations
import Testing

/// CEF as antivirus consoles and firewalls send it: header escapes, extension values with spaces and escapes, and
/// what must be refused.
struct CEFParserTests {
    func parse(_ text: String) throws(CEFError) -> CEFEvent { try CEFParser.parse(Array(text.utf8)) }

    @Test func aRecordInsideSyslogReads() throws {
        let event = try parse(#"<134>Dec  3 08:15:02 av-console CEF:0|Kaspersky Lab|Security Center|14.2|GNRL_EV_VIRUS_FOUND|Virus found|High|dhost=pc-ubnd-017 dst=10.20.3.17 fname=invoice.pdf.exe filePath=C:\\Users\\lan\\Downloads act=blocked msg=Trojan.Win32.Agent found \= removed"#)
        #expect(event.version == 0 && event.vendor == "Kaspersky Lab" && event.product == "Security Center" && event.deviceVersion == "14.2")
        #expect(event.signatureID == "GNRL_EV_VIRUS_FOUND" && event.name == "Virus found" && event.severity == 8)
        #expect(event.extensions.map(\.key) == ["dhost", "dst", "fname", "filePath", "act", "msg"])
        #expect(event.value("filePath") == #"C:\Users\lan\Downloads"# && event.value("msg") == "Trojan.Win32.Agent found = removed")
    }

    @Test func headerEscapesAndNumericSeverity() throws {
        let event = try parse(#"CEF:0|Vendor\|A|Prod\\B|1.0|100|Port scan|5|src=203.0.113.9 spt=52144"#)
        #expect(event.vendor == "Vendor|A" && event.product == #"Prod\B"# && event.severity == 5)
        #expect(event.value("src") == "203.0.113.9" && event.value("spt") == "52144")
        #expect(try parse("CEF:0|V|P|1|2|N|Very-High|").extensions.isEmpty)
    }

    @Test func badRecordsAreRefusedWithWhereReadingStopped() {
        for (text, offset) in [("no header here", 0), ("CEF:0|V|P|1", 11), ("CEF:9|V|P|1|2|N|3|", 4), ("CEF:0|V|P|1|2|N|11|", 18),
                               (#"CEF:0|V\x|P|1|2|N|3|"#, 7), (#"CEF:0|V|P|1|2|N|3|msg=a\qb"#, 23), ("CEF:0|V|P|1|2|N|3|msg=a=b", 23),
                               ("CEF:0|V|P|1|2|N|3|=x", 18)] {
            do {
                _ = try parse(text)
                Issue.record("read \(text)")
            } catch {
                #expect(error.offset == offset, "\(text): \(error)")
            }
        }
        let many = "CEF:0|V|P|1|2|N|3|" + (0...CEFParser.maximumExtensions).map { "k\($0)=v" }.joined(separator: " ")
        #expect(throws: CEFError.self) { try parse(many) }
    }
}
