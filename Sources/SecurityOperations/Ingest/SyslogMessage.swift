import Foundation

/// One syslog message as it arrived (RFC 5424, or the older BSD form of RFC 3164 that many devices still send),
/// before it is normalised to an ECS-shaped event. Every field was read within its bounds; `raw` keeps the bytes.
public struct SyslogMessage: Sendable, Equatable {
    public enum Format: String, Sendable { case rfc5424, rfc3164 }

    public struct Element: Sendable, Equatable {
        public var id: String
        public var parameters: [(name: String, value: String)]

        public static func == (left: Element, right: Element) -> Bool {
            left.id == right.id && left.parameters.elementsEqual(right.parameters) { $0.name == $1.name && $0.value == $1.value }
        }
    }

    public var format: Format
    /// 0…23 (kernel, user, mail, …, local7).
    public var facility: Int
    /// 0 (emergency) … 7 (debug).
    public var severity: Int
    /// Nil when the sender gave none (RFC 5424's `-`) or gave one that does not read.
    public var timestamp: Date?
    public var hostname: String?
    public var appName: String?
    public var processID: String?
    public var messageID: String?
    public var structuredData: [Element]
    /// The free text, decoded as UTF-8 (invalid sequences replaced: `validUTF8` says whether any were).
    public var message: String
    public var validUTF8: Bool
}

/// Why a message does not read, with the byte where reading stopped.
public struct SyslogError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    public var description: String { "\(reason) (at byte \(offset))" }
}
