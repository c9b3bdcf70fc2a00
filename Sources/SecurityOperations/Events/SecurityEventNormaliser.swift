import Foundation
import Platform

/// Turns what was read (a syslog message, a CEF record inside one, an ECS line) into a `SecurityEvent` with ECS
/// names. The unit (`organization.id`) is not set here: ingestion resolves it from the sender (host or API key).
public enum SecurityEventNormaliser {
    /// A syslog message; one whose text is a CEF record becomes that record's event, with the syslog header beside it.
    public static func event(from message: SyslogMessage, raw: [UInt8], receivedAt: Date) -> SecurityEvent {
        var fields: [String: JSONValue] = [
            "log.syslog.facility.code": .number(Double(message.facility)),
            "log.syslog.severity.code": .number(Double(message.severity)),
            "message": .string(message.message),
        ]
        fields["host.name"] = message.hostname.map(JSONValue.string)
        fields["process.name"] = message.appName.map(JSONValue.string)
        if let pid = message.processID, pid.utf8.count <= 9, let number = Int(pid) { fields["process.pid"] = .number(Double(number)) }
        fields["event.code"] = message.messageID.map(JSONValue.string)
        for element in message.structuredData {
            for parameter in element.parameters { fields["log.syslog.structured_data.\(element.id).\(parameter.name)"] = .string(parameter.value) }
        }
        var source = SecurityEvent.Source.syslog
        // Only a message that is a CEF record (after, at most, a BSD tag) is read as one: "CEF:" inside a user name
        // or a URL someone logged must not rewrite the event's host or outcome.
        if let start = cefStart(message.message) {
            do {
                let record = try CEFParser.parse(Array(message.message.utf8.dropFirst(start)))
                source = .cef
                fields["message"] = nil
                // The sender (an antivirus console, a firewall) is the observer; the record names the host it is about.
                fields["observer.hostname"] = fields.removeValue(forKey: "host.name")
                fields.merge(cefFields(record)) { _, cef in cef }
            } catch {
                // Kept as the syslog event it arrived as, raw bytes and all, and marked so it is counted as malformed.
                fields["error.type"] = .string("malformed-cef")
                fields["error.message"] = .string(error.description)
            }
        }
        return SecurityEvent(source: source, timestamp: message.timestamp ?? receivedAt, receivedAt: receivedAt, fields: fields, raw: raw)
    }

    /// An ECS line as posted: its own names kept; `@timestamp` read when it is an RFC 3339 time.
    public static func event(fromECS fields: [String: JSONValue], raw: [UInt8], receivedAt: Date) -> SecurityEvent {
        var timestamp = receivedAt
        if let text = fields["@timestamp"]?.string {
            var reader = ByteReader(Array(text.utf8))
            if let moment = SyslogTime.rfc5424(&reader), reader.isAtEnd { timestamp = moment }
        }
        return SecurityEvent(source: .ecs, timestamp: timestamp, receivedAt: receivedAt, fields: fields, raw: raw)
    }

    /// Where a CEF record starts: the message's start, or right after a BSD tag such as `CEF_Agent: `.
    static func cefStart(_ message: String) -> Int? {
        let bytes = Array(message.utf8.prefix(64))
        if bytes.starts(with: Array("CEF:".utf8)) { return 0 }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0,
              bytes[..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "|") }) else { return nil }
        var start = colon + 1
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        return bytes[start...].starts(with: Array("CEF:".utf8)) ? start : nil
    }

    /// CEF's header and its common extension keys under ECS names; every extension also as `cef.extensions.<key>`.
    static func cefFields(_ record: CEFEvent) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "observer.vendor": .string(record.vendor), "observer.product": .string(record.product), "observer.version": .string(record.deviceVersion),
            "event.code": .string(record.signatureID), "rule.name": .string(record.name), "event.severity": .number(Double(record.severity)),
        ]
        for pair in record.extensions {
            fields["cef.extensions.\(pair.key)"] = .string(pair.value)
            guard let name = ecsNames[pair.key] else { continue }
            fields[name] = .string(pair.value)
        }
        if let action = record.value("act")?.lowercased() {
            if deniedActions.contains(where: action.hasPrefix) { fields["event.type"] = .array([.string("denied")]) }
            else if ["allow", "permit", "accept", "pass"].contains(where: action.hasPrefix) { fields["event.type"] = .array([.string("allowed")]) }
        }
        return fields
    }

    /// What antivirus consoles and firewalls write in `act` when they stopped something.
    static let deniedActions = ["block", "deny", "denied", "drop", "reject", "quarantin", "delet", "remov", "prevent", "clean", "disinfect"]

    static let ecsNames: [String: String] = [
        "src": "source.ip", "spt": "source.port", "shost": "source.address", "suser": "source.user.name",
        "dst": "destination.ip", "dpt": "destination.port", "dhost": "host.name", "duser": "user.name",
        "act": "event.action", "msg": "message", "fname": "file.name", "filePath": "file.path", "fileHash": "file.hash.sha256",
        "request": "url.original", "proto": "network.transport", "outcome": "event.outcome", "cat": "event.provider",
    ]
}
