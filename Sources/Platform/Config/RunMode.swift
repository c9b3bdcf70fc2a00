/// How strict the platform is about its setup.
///
/// `production` refuses to start without a master key; `demo` and `development` generate one into the data
/// directory so a fresh checkout runs with one command.
public enum RunMode: String, Sendable, CaseIterable {
    case demo
    case development
    case production
}

public enum LogFormat: String, Sendable, CaseIterable {
    case json
    case text
}
