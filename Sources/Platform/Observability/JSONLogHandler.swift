import Foundation
import Logging
import Synchronization

/// One JSON object per line on stderr: what log shippers (and the SOC) ingest without parsing guesswork.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": Self.timestamp(),
            "level": event.level.rawValue,
            "logger": label,
            "msg": event.message.description,
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged { object[key] = Self.plain(value) }
        if event.level >= .error { object["source"] = "\(event.file):\(event.line)" }
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return convertible.description
        case .array(let array): return array.map(plain)
        case .dictionary(let dictionary): return dictionary.mapValues(plain)
        }
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

public enum PlatformLogging {
    /// Installs the process-wide log handler once; later calls are ignored (swift-log allows one bootstrap).
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        _ = Bootstrapper.shared.run(format: format, level: level)
    }
}

private final class Bootstrapper: Sendable {
    static let shared = Bootstrapper()
    private let done = Mutex(false)

    func run(format: LogFormat, level: Logger.Level) -> Bool {
        done.withLock { alreadyDone in
            guard !alreadyDone else { return false }
            alreadyDone = true
            LoggingSystem.bootstrap { label in
                switch format {
                case .json: return JSONLogHandler(label: label, level: level)
                case .text:
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = level
                    return handler
                }
            }
            return true
        }
    }
}
