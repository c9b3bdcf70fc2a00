import Foundation
import Platform
import SecurityOperations

/// What the security operations centre reads from the whole city network: syslog messages, and TCP streams of them.
enum SecurityTargets {
    static let parser = SyslogParser(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .current,
                                     receivedAt: Date(timeIntervalSince1970: 1_796_000_000))

    /// One message: read or refused, never a trap; what is read stays within the RFC's ranges.
    static let syslog: FuzzTargets.Harness = { bytes in
        guard let message = try? parser.parse(bytes) else { return }
        FuzzCheck.require((0...23).contains(message.facility) && (0...7).contains(message.severity), "a priority out of range")
        FuzzCheck.require((message.hostname?.utf8.count ?? 0) <= 255 && (message.appName?.utf8.count ?? 0) <= 48, "a header field too long")
    }

    /// A TCP stream cut at every few bytes (the first byte says where): the same frames as read whole, memory held
    /// within the limit.
    static let syslogStream: FuzzTargets.Harness = { bytes in
        guard let first = bytes.first else { return }
        let step = Int(first % 16) + 1
        let body = bytes.dropFirst()
        var whole = SyslogFraming(maximumBytes: 512)
        var pieces = SyslogFraming(maximumBytes: 512)
        let all = try? whole.append(body)
        var collected: [SyslogFraming.Frame] = []
        var broken = false
        var index = body.startIndex
        while index < body.endIndex {
            let end = body.index(index, offsetBy: step, limitedBy: body.endIndex) ?? body.endIndex
            do { collected += try pieces.append(body[index..<end]) } catch { broken = true; break }
            index = end
        }
        FuzzCheck.require((all == nil) == broken, "a stream broke read in pieces but not whole, or the other way")
        if let all, !broken { FuzzCheck.require(all == collected, "frames differ when the stream arrives in pieces") }
        for case .message(let frame) in collected { _ = try? parser.parse(frame) }
    }
}

extension SecurityTargets {
    /// A CEF record: read or refused; what is read has its severity in range and bounded extensions.
    static let cef: FuzzTargets.Harness = { bytes in
        guard let event = try? CEFParser.parse(bytes) else { return }
        FuzzCheck.require((0...10).contains(event.severity), "a severity out of range")
        FuzzCheck.require(event.extensions.count <= CEFParser.maximumExtensions, "too many extensions")
        FuzzCheck.require(event.extensions.allSatisfy { !$0.key.isEmpty && $0.key.utf8.count <= 63 }, "a bad extension key")
    }
}

extension SecurityTargets {
    /// An ECS NDJSON line: read or refused; what is read is within the field limit and flat.
    static let ecs: FuzzTargets.Harness = { bytes in
        guard let fields = try? ECSLine.parse(bytes) else { return }
        FuzzCheck.require(fields.count <= ECSLine.maximumFields, "too many fields")
        FuzzCheck.require(fields.values.allSatisfy { $0.object == nil && ($0.array?.allSatisfy { $0.object == nil && $0.array == nil } ?? true) }, "not flat")
    }
}

extension SecurityTargets {
    static let sampleEvents: [[String: JSONValue]] = [
        ["EventID": .number(4625), "LogonType": .string("3"), "IpAddress": .string("203.0.113.9"),
         "CommandLine": .string(#"C:\Windows\system32\cmd.exe /c whoami"#), "Image": .string(#"C:\Tools\mimikatz.exe"#)],
        ["c-uri": .string("/a/0123456789abcdef0123456789abcdef.php"), "cs-host": .string("x.example"),
         "dst_port": .string("22"), "src_ip": .string("2001:db8::1"), "organization.id": .string("ou-001")],
    ]

    /// A Sigma rule file: loaded or refused with a place in the file, never a trap or a runaway; a loaded rule runs.
    static let sigmaRule: FuzzTargets.Harness = { bytes in
        let rule: SigmaRule
        do {
            rule = try SigmaRuleLoader.load(bytes, file: "fuzz.yml")
        } catch let error as SigmaRuleError {
            FuzzCheck.require(error.line >= 0 && !error.reason.isEmpty, "a refusal without a place or a reason")
            return
        } catch {
            FuzzCheck.require(false, "a refusal that is not a SigmaRuleError")
            return
        }
        let rules = SigmaRuleSet([rule])
        for event in sampleEvents { _ = rules.matches(event) }
    }
}

extension SecurityTargets {
    static let readerRules: SigmaRuleSet = {
        let text = """
            title: T
            id: r1
            level: high
            detection:
                selection:
                    event.category: malware
                    Image|endswith: '\\\\mimikatz.exe'
                listed:
                    related.ip: [10.0.0.9, '2001:db8::1']
                    EventID: [4688, '4625']
                words:
                    CommandLine|contains: [' -enc ', 'sekurlsa']
                deep:
                    a.B.c|startswith: x
                condition: selection or listed or words or deep
            """
        do {
            return SigmaRuleSet([try SigmaRuleLoader.load(Array(text.utf8), file: "reader.yml")])
        } catch {
            fatalError("the fuzz rule does not load: \(error)")
        }
    }()

    /// An ECS line through the engine's own reader and through ingest's (ECSLine, then the rules' fields picked
    /// out): refused by both or by neither, and when read, the same rules match.
    static let ecsReader: FuzzTargets.Harness = { bytes in
        let direct = try? readerRules.prepare(line: bytes)
        var whole: [String: JSONValue]? = try? ECSLine.parse(bytes)
        // Ingest's check: names ASCII-folded and compared as Swift strings.
        if let fields = whole, Set(fields.keys.map { String(decoding: $0.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self) }).count != fields.count {
            whole = nil
        }
        FuzzCheck.require((direct == nil) == (whole == nil), "the engine's reader and ingest's disagree on refusing the line")
        if let direct, let whole {
            FuzzCheck.require(readerRules.matches(direct) == readerRules.matches(readerRules.prepare(whole)), "the readers' events match different rules")
        }
    }
}
