import Foundation
import Logging

/// One thread from street to SOC: a security incident linked to an operations-centre alert or a field report (a
/// camera that went dark because its host was compromised), so whoever follows one id finds the others. Each module
/// describes its own cases and the SOC keeps the links; none reads another's tables.

/// A case of another module as a link shows it.
public struct LinkedCase: Codable, Sendable, Equatable {
    /// `ioc-alert` or `field-report`.
    public var kind: String
    public var reference: String
    public var title: String
    public var unit: String
    public var state: String
    /// Where the case is read (an API path or a page).
    public var path: String

    public init(kind: String, reference: String, title: String, unit: String, state: String, path: String) {
        self.kind = kind
        self.reference = reference
        self.title = title
        self.unit = unit
        self.state = state
        self.path = path
    }
}

/// A module's cases by reference, for links from elsewhere; nil: no such case.
public protocol CaseDirectory: Sendable {
    var kind: String { get }
    func linkedCase(_ reference: String, logger: Logger) async throws -> LinkedCase?
}

/// A security incident as a linked case shows it.
public struct LinkedIncident: Codable, Sendable, Equatable {
    public var id: String
    /// The unit whose machines the incident is on.
    public var unit: String
    public var title: String
    public var level: String
    public var state: String
    public var path: String

    public init(id: String, unit: String, title: String, level: String, state: String, path: String) {
        self.id = id
        self.unit = unit
        self.title = title
        self.level = level
        self.state = state
        self.path = path
    }
}

/// The SOC's incidents linked to another module's case (the way back). `units`: the incidents of these units only
/// (a unit's staff see their own units' incidents, as on the SOC's pages); nil: all (the operations centre).
public protocol SecurityIncidentLinks: Sendable {
    func incidents(linkedTo kind: String, reference: String, units: [String]?, logger: Logger) async throws -> [LinkedIncident]
    /// The same for many cases at once (a screen of alerts), by reference; cases without incidents are left out.
    func incidents(linkedTo kind: String, references: [String], units: [String]?, logger: Logger) async throws -> [String: [LinkedIncident]]
}
