import Foundation
import Logging

/// One thing an operator should know is right or wrong (`hues doctor`, the operators' status page): a backlog that
/// grows, a certificate about to expire. Modules declare theirs in their manifest; the platform adds its own.
public struct HealthCheck: Sendable {
    public let name: String
    public let examine: @Sendable (_ now: Date, _ logger: Logger) async throws -> HealthFinding

    public init(_ name: String, examine: @escaping @Sendable (_ now: Date, _ logger: Logger) async throws -> HealthFinding) {
        self.name = name
        self.examine = examine
    }
}

/// What a check found: fine, worth a look, or broken, in words an operator can act on.
public struct HealthFinding: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, Comparable {
        case ok, warning, failure

        var rank: Int {
            switch self {
            case .ok: 0
            case .warning: 1
            case .failure: 2
            }
        }

        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public var status: Status
    public var detail: String

    public init(_ status: Status, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    /// `warning` at or above `warnAt`, `failure` at or above `failAt`.
    public static func threshold(_ value: Int, warnAt: Int, failAt: Int, _ detail: String) -> HealthFinding {
        HealthFinding(value >= failAt ? .failure : value >= warnAt ? .warning : .ok, detail)
    }
}
