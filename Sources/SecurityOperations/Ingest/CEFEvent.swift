/// An ArcSight Common Event Format record (`CEF:0|vendor|product|version|signature|name|severity|k=v …`), as
/// antivirus consoles, firewalls and intrusion detection send it, usually inside a syslog message.
public struct CEFEvent: Sendable, Equatable {
    public var version: Int
    public var vendor: String
    public var product: String
    public var deviceVersion: String
    public var signatureID: String
    public var name: String
    /// 0…10; the words some devices send (`Low`, `Medium`, `High`, `Very-High`) as 3, 6, 8 and 10.
    public var severity: Int
    /// In the order sent; a key sent twice keeps both.
    public var extensions: [Extension]

    public struct Extension: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    public func value(_ key: String) -> String? { extensions.first { $0.key == key }?.value }
}

/// Why a CEF record does not read, with the byte where reading stopped.
public struct CEFError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    public var description: String { "\(reason) (at byte \(offset))" }
}
