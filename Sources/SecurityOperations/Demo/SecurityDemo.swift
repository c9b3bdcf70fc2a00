import Foundation
import Logging
import Platform

/// The demo city's SOC: three weeks of what the units' antivirus, firewalls and mail filters sent (mostly blocked
/// commodity malware, probes and phishing), a stale computer, and two real threats that open incidents: a password
/// dumper on a ward's computer and ransomware at a department. Deterministic, so every demo looks the same.
enum SecurityDemo {
    struct Line {
        let unit: String
        let json: String
    }

    static let signatures = ["Win32/Adware.Agent.NSU", "JS/Redirector.NRJ", "Win32/Packed.VMProtect.ABO", "HTML/Phishing.Agent.DXF",
                             "Win32/TrojanDownloader.Agent.GVN", "VBA/TrojanDownloader.Agent.XYZ", "Android/Spy.Agent.BZN"]
    static let probes = ["23", "445", "3389", "1433", "5900"]

    /// The computers that went silent ten days ago (one per unit).
    static let silentHostPattern = "pc-%-099"

    /// Units the demo accounts lead (so their unit pages have something to show), first when the city has them.
    static let featured = ["phuong-phu-xuan", "so-tai-chinh", "trung-tam-cntt"]

    /// ECS lines for ten of `units` (the city's unit codes) over the 21 days before `now`.
    static func lines(units all: [String], now: Date) -> [Line] {
        var random = SplitMix(seed: 2026)
        var lines: [Line] = []
        let units = featured.filter(all.contains) + all.filter { !featured.contains($0) }
        for unit in units.prefix(10) {
            let initials = unit.split(separator: "-").compactMap(\.first).map(String.init).joined()
            let hosts = (1...5).map { String(format: "pc-%@-%03d", initials, $0) }
            for index in 0..<40 {
                let host = hosts[Int(random.next() % UInt64(hosts.count))]
                let at = now.addingTimeInterval(-Double(random.next() % (21 * 86_400)) - 600)
                var fields: [String: String] = ["@timestamp": time(at), "host.name": host, "agent.version": index % 13 == 0 ? "7.17.0" : "8.15.1",
                                                "observer.product": "Bkav Pro", "observer.version": "2026.11"]
                switch random.next() % 20 {
                case 0..<13:
                    fields.merge(["event.category": "malware", "event.type": "denied", "event.action": "quarantined",
                                  "Signature": signatures[Int(random.next() % UInt64(signatures.count))],
                                  "file.path": "C:\\Users\\canbo\\Downloads\\tailieu_\(index).zip"]) { $1 }
                case 13..<17:
                    fields.merge(["event.category": "intrusion_detection", "event.type": "denied", "source.ip": "45.\(random.next() % 200).\(random.next() % 250).\(random.next() % 250)",
                                  "destination.port": probes[Int(random.next() % UInt64(probes.count))], "observer.product": "FortiGate"]) { $1 }
                case 17..<19:
                    fields.merge(["event.category": "email", "event.type": "denied", "event.action": "phishing-blocked",
                                  "email.subject": "Thông báo nộp thuế điện tử"]) { $1 }
                default:
                    fields.merge(["event.category": "authentication", "event.type": "start", "user.name": "canbo\(index)"]) { $1 }
                }
                lines.append(Line(unit: unit, json: json(fields)))
            }
            // One computer last heard from ten days ago: stale.
            lines.append(Line(unit: unit, json: json(["@timestamp": time(now.addingTimeInterval(-10 * 86_400)), "host.name": "pc-\(initials)-099",
                                                      "agent.version": "7.10.2", "event.category": "host", "event.type": "info"])))
        }
        if let ward = units.first(where: { $0.hasPrefix("phuong-") }) {
            lines.append(Line(unit: ward, json: json(["@timestamp": time(now.addingTimeInterval(-3_600)), "host.name": "pc-ward-kt-02",
                                                      "event.category": "process", "Image": "C:\\Users\\Public\\m64.exe",
                                                      "CommandLine": "m64.exe \"privilege::debug\" \"sekurlsa::logonpasswords\" exit"])))
        }
        if let department = units.first(where: { $0.hasPrefix("so-") }) {
            lines.append(Line(unit: department, json: json(["@timestamp": time(now.addingTimeInterval(-7_200)), "host.name": "pc-ketoan-07",
                                                            "event.category": "malware", "event.type": "denied",
                                                            "Signature": "Win32/Filecoder.Lockbit.C", "file.path": "C:\\Temp\\invoice.exe"])))
        }
        return lines
    }

    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func json(_ fields: [String: String]) -> String {
        let object = JSONValue.object(fields.mapValues { JSONValue.string($0) })
        return object.jsonText
    }

    /// A small deterministic generator (SplitMix64), so the demo does not depend on the system's randomness.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
