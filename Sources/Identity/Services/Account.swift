import FluentKit
import Foundation
import Logging
import Platform

public enum AccountKind: String, Codable, Sendable, CaseIterable {
    case citizen
    case business
    /// Officers, leaders, operators, analysts and admins: people who work for the city.
    case staff
}

public enum AccountStatus: String, Codable, Sendable {
    case active
    case disabled
}

/// An account as the rest of the platform sees it (never with its password hash).
public struct Account: Codable, Sendable, Equatable {
    public var id: UUID
    public var username: String
    public var displayName: String
    public var email: String?
    public var phone: String?
    public var kind: AccountKind
    public var status: AccountStatus
    public var roles: [RoleGrant]
    public var createdAt: Date

    /// Reads a stored account. A row without an id, or a kind or status this code does not know, is logged and thrown.
    /// A grant naming an unknown role is logged and left out (it grants nothing: failing closed, never open).
    init(_ record: AccountRecord, grants: [RoleGrantRecord], logger: Logger? = nil) throws {
        let id = try record.requireID()
        self.id = id
        self.username = record.username
        self.displayName = record.displayName
        self.email = record.email
        self.phone = record.phone
        self.kind = try StoredData.value(AccountKind.self, from: record.kind, table: AccountRecord.schema, column: "kind", row: id.uuidString,
                                         logger: logger)
        self.status = try StoredData.value(AccountStatus.self, from: record.status, table: AccountRecord.schema, column: "status",
                                           row: id.uuidString, logger: logger)
        var roles: [RoleGrant] = []
        for grant in grants {
            guard let role = Role(rawValue: grant.role) else {
                (logger ?? Logger(label: "hues.identity")).error("role grant names an unknown role; it is ignored", metadata: [
                    "table": .string(RoleGrantRecord.schema), "account": .string(id.uuidString), "role": .string(grant.role),
                    "row": .string(grant.id?.uuidString ?? "(no id)"),
                ])
                continue
            }
            roles.append(RoleGrant(role: role, unitCode: grant.unitCode.isEmpty ? nil : grant.unitCode))
        }
        self.roles = roles.sorted { ($0.role, $0.unitCode ?? "") < ($1.role, $1.unitCode ?? "") }
        self.createdAt = record.createdAt
    }
}

/// Who made a change, as the event log records it.
public struct Actor: Sendable {
    public var id: String?
    public var name: String
    public var unitCode: String?

    public init(id: String?, name: String, unitCode: String? = nil) {
        self.id = id
        self.name = name
        self.unitCode = unitCode
    }

    public init(_ principal: Principal) {
        self.init(id: principal.accountID, name: principal.username, unitCode: principal.grants.first { $0.unitCode != nil }?.unitCode)
    }

    /// A change made from the command line on the server itself.
    public static func commandLine() -> Actor {
        Actor(id: nil, name: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "root")@\(ProcessInfo.processInfo.hostName)")
    }

    public static let system = Actor(id: nil, name: "system")
}

/// A request to open an account.
public struct NewAccount: ValidatedInput {
    public var username: String
    public var displayName: String
    public var password: String
    public var email: String?
    public var phone: String?
    public var kind: AccountKind
    public var roles: [RoleGrant]?

    public init(username: String, displayName: String, password: String, email: String? = nil, phone: String? = nil,
                kind: AccountKind, roles: [RoleGrant]? = nil) {
        self.username = username
        self.displayName = displayName
        self.password = password
        self.email = email
        self.phone = phone
        self.kind = kind
        self.roles = roles
    }

    public func validate() -> [Problem.FieldError] { validate(allowingReservedName: false) }

    /// `allowingReservedName` only for accounts the platform opens itself (a first national-identity sign-in).
    func validate(allowingReservedName: Bool) -> [Problem.FieldError] {
        var errors = AccountRules.username(username, allowingReserved: allowingReservedName) + AccountRules.password(password, username: username)
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 120 {
            errors.append(.init(field: "displayName", message: "must be 1 to 120 characters"))
        }
        if let email, !AccountRules.isEmail(email) {
            errors.append(.init(field: "email", message: "is not an email address"))
        }
        if let phone, !AccountRules.isPhone(phone) {
            errors.append(.init(field: "phone", message: "must be 8 to 15 digits, optionally starting with +"))
        }
        return errors
    }
}

enum AccountRules {
    /// Names the platform gives accounts it opens itself: nobody may register one and wait for its owner.
    static let reservedPrefixes = ["vneid-", "erased-"]

    static func username(_ username: String, allowingReserved: Bool = false) -> [Problem.FieldError] {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
        if username.count < 3 || username.count > 64 || !username.lowercased().allSatisfy({ allowed.contains($0) }) {
            return [.init(field: "username", message: "must be 3 to 64 characters: letters, digits, '.', '_', '-' or '@'")]
        }
        if !allowingReserved, let prefix = reservedPrefixes.first(where: { username.lowercased().hasPrefix($0) }) {
            return [.init(field: "username", message: "names starting with '\(prefix)' are reserved for accounts opened by national identity sign-in")]
        }
        return []
    }

    static func password(_ password: String, username: String) -> [Problem.FieldError] {
        if password.count < 10 { return [.init(field: "password", message: "must be at least 10 characters")] }
        // bcrypt reads only the first 72 bytes; a longer password would silently lose its tail.
        if password.utf8.count > 72 { return [.init(field: "password", message: "must be at most 72 bytes")] }
        if password.lowercased() == username.lowercased() { return [.init(field: "password", message: "must differ from the username")] }
        return []
    }

    static func isEmail(_ text: String) -> Bool { EmailAddress.isValid(text) }

    static func isPhone(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (8...15).contains(digits.count) && digits.allSatisfy(\.isNumber)
    }
}
