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
}
