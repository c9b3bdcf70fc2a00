import Foundation
import Platform

/// A security event from any source, shaped as ECS: fields by their dotted ECS names (`event.type`, `host.name`,
/// `source.ip`, `organization.id` for the unit), what detection rules match on and reports count; the bytes as they
/// arrived, kept for inspection.
public struct SecurityEvent: Sendable {
    public enum Source: String, Sendable { case syslog, cef, ecs }

    public var source: Source
    /// When it happened, by the sender's clock (`@timestamp`); the arrival when the sender gave none.
    public var timestamp: Date
    public var receivedAt: Date
    public var fields: [String: JSONValue]
    public var raw: [UInt8]

    public func text(_ field: String) -> String? { fields[field]?.string }
}
