import Foundation
import Logging

/// A member of a unit's staff, as other modules need to know them (to assign a case, to warn a leader).
public struct StaffMember: Codable, Sendable, Equatable {
    public var accountID: String
    public var name: String

    public init(accountID: String, name: String) {
        self.accountID = accountID
        self.name = name
    }
}

/// Who holds a role in a unit. Identity answers; modules that route work ask.
public protocol StaffDirectory: Sendable {
    func staff(holding role: Role, in unit: String, logger: Logger) async throws -> [StaffMember]
    func profile(username: String, logger: Logger) async throws -> StaffProfile?
    /// An active account by its id (a payer named by id).
    func profile(accountID: String, logger: Logger) async throws -> StaffProfile?
}

/// A person on the city's staff with the roles they hold, found by username (to issue them a certificate).
public struct StaffProfile: Sendable, Equatable {
    public var accountID: String
    public var username: String
    public var name: String
    public var grants: [RoleGrant]

    public init(accountID: String, username: String, name: String, grants: [RoleGrant]) {
        self.accountID = accountID
        self.username = username
        self.name = name
        self.grants = grants
    }
}

extension StaffDirectory {
    /// Directories that cannot look people up by username find nobody.
    public func profile(username: String, logger: Logger) async throws -> StaffProfile? { nil }
    public func profile(accountID: String, logger: Logger) async throws -> StaffProfile? { nil }
}
