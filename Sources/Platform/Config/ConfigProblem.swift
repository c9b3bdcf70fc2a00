/// One thing wrong with the configuration, named by the setting a sysadmin has to change.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    public var key: String
    public var message: String
    public var severity: Severity

    public init(key: String, message: String, severity: Severity = .error) {
        self.key = key
        self.message = message
        self.severity = severity
    }

    public var description: String { "\(severity.rawValue): \(key): \(message)" }
}

/// Thrown when configuration or a city profile cannot be used; carries every problem found, not just the first.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    public var description: String {
        (["configuration refused (\(problems.filter { $0.severity == .error }.count) error(s)):"]
            + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}
