import Foundation

/// The security operations centre's settings: a city's own rule folders beside the shipped rules, the syslog
/// listeners' ports (off unless given), and which unit each sending network belongs to (the unit of a syslog event
/// is its sender's, never what the message claims).
public struct SecuritySettings: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var network: String
        public var unit: String

        public init(network: String, unit: String) {
            self.network = network
            self.unit = unit
        }
    }

    public var ruleFolders: [String] = []
    public var syslogHost = "0.0.0.0"
    /// 0: off.
    public var syslogUDPPort = 0
    public var syslogTCPPort = 0
    public var sources: [Source] = []
    /// Days stored events are kept (by when they happened); incidents, alerts and the inventory stay.
    public var retentionDays = 180

    public init() {}

    package static func read(_ values: [String: String]) -> (SecuritySettings, [ConfigProblem]) {
        var settings = SecuritySettings()
        var problems: [ConfigProblem] = []
        if let folders = values["HUES_SOC_RULES"], !folders.isEmpty {
            settings.ruleFolders = folders.split(separator: ":").map(String.init)
            for folder in settings.ruleFolders {
                var isFolder: ObjCBool = false
                if !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) || !isFolder.boolValue {
                    problems.append(ConfigProblem(key: "HUES_SOC_RULES", message: "'\(folder)' is not a folder"))
                }
            }
        }
        if let host = values["HUES_SYSLOG_HOST"], !host.isEmpty { settings.syslogHost = host }
        for (key, path) in [("HUES_SYSLOG_UDP_PORT", \SecuritySettings.syslogUDPPort), ("HUES_SYSLOG_TCP_PORT", \SecuritySettings.syslogTCPPort)] {
            guard let text = values[key], !text.isEmpty else { continue }
            if let port = BoundedInteger.parse(text, in: 0...65_535) {
                settings[keyPath: path] = port
            } else {
                problems.append(ConfigProblem(key: key, message: "'\(text)' is not a port (0 to 65535; 0 is off)"))
            }
        }
        if let text = values["HUES_SOC_RETENTION_DAYS"], !text.isEmpty {
            if let days = BoundedInteger.parse(text, in: 7...3_650) {
                settings.retentionDays = days
            } else {
                problems.append(ConfigProblem(key: "HUES_SOC_RETENTION_DAYS", message: "'\(text)' is not a number of days from 7 to 3650"))
            }
        }
        if let list = values["HUES_SYSLOG_SOURCES"], !list.isEmpty {
            for entry in list.split(separator: ",") {
                let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, IPNetwork(cidr: parts[0]) != nil, !parts[1].isEmpty else {
                    problems.append(ConfigProblem(key: "HUES_SYSLOG_SOURCES", message: "'\(entry)' is not NETWORK=UNIT (10.20.0.0/16=phuong-phu-xuan)"))
                    continue
                }
                settings.sources.append(Source(network: parts[0], unit: parts[1]))
            }
        }
        return (settings, problems)
    }
}
