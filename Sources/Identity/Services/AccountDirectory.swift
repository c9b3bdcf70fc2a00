import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// Opens, finds, changes and signs in accounts. Every change is written with its event-log entry in one transaction.
public struct AccountDirectory: StaffDirectory, Sendable {
    let database: PlatformDatabase
    let passwords: PasswordHasher
    let lockoutThreshold: Int
    let notices: (any NoticeBoard)?
    let now: @Sendable () -> Date

    public init(database: PlatformDatabase, passwords: PasswordHasher, lockoutThreshold: Int, notices: (any NoticeBoard)? = nil,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.passwords = passwords
        self.lockoutThreshold = lockoutThreshold
        self.notices = notices
        self.now = now
    }

    // MARK: Opening and changing accounts

    public func create(_ new: NewAccount, by actor: Actor, logger: Logger) async throws -> Account {
        try await create(new, by: actor, allowingReservedName: false, logger: logger) { _, _ in }
    }

    /// Opens an account and, in the same transaction, does `alongside` with it (linking a national identity, so an
    /// account is never left half-linked). Reserved names only for accounts the platform opens itself.
    func create(_ new: NewAccount, by actor: Actor, allowingReservedName: Bool, logger: Logger,
                alongside: @escaping @Sendable (any Database, Account) async throws -> Void) async throws -> Account {
        var errors = new.validate(allowingReservedName: allowingReservedName)
        let roles = new.roles ?? Self.defaultRoles(for: new.kind)
        errors += try await roleErrors(roles, kind: new.kind, logger: logger)
        if !errors.isEmpty { throw Problem.validation(errors) }
        let hash = try await passwords.hash(new.password)
        let username = new.username.lowercased()
        let timestamp = now()
        let notices = self.notices
        return try await database.write(logger: logger) { db in
            if try await AccountRecord.query(on: db).filter(\.$username == username).first() != nil {
                throw Problem.conflict("The username '\(username)' is taken.")
            }
            let record = AccountRecord()
            record.id = UUID()
            record.username = username
            record.displayName = new.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
            record.email = new.email?.lowercased()
            record.phone = new.phone
            record.kind = new.kind.rawValue
            record.passwordHash = hash
            record.status = AccountStatus.active.rawValue
            record.failedLogins = 0
            record.createdAt = timestamp
            record.updatedAt = timestamp
            try await record.create(on: db)
            let grants = try await Self.replaceGrants(of: record, with: roles, on: db)
            let account = try Account(record, grants: grants, logger: logger)
            try await EventLog.append(
                try DomainEvent(type: "identity.account.created", actorID: actor.id, actorName: actor.name, unitCode: actor.unitCode,
                                subject: "account:\(account.id)", payload: AccountEventPayload(account), occurredAt: timestamp),
                on: db)
            try await notices?.post(NoticeDraft(recipient: account.id.uuidString, template: "identity.welcome",
                                                data: ["name": account.displayName, "username": account.username], link: "/account"),
                                    on: db)
            try await alongside(db, account)
            return account
        }
    }

    public func setRoles(of id: UUID, to roles: [RoleGrant], by actor: Actor, logger: Logger) async throws -> Account {
        guard let current = try await find(id: id, logger: logger) else { throw Problem.notFound("No account with this id.") }
        let errors = try await roleErrors(roles, kind: current.kind, logger: logger)
        if !errors.isEmpty { throw Problem.validation(errors) }
        return try await database.write(logger: logger) { db in
            guard let record = try await AccountRecord.find(id, on: db) else { throw Problem.notFound("No account with this id.") }
            record.updatedAt = now()
            try await record.update(on: db)
            let grants = try await Self.replaceGrants(of: record, with: roles, on: db)
            let account = try Account(record, grants: grants, logger: logger)
            try await EventLog.append(
                try DomainEvent(type: "identity.account.roles-changed", actorID: actor.id, actorName: actor.name, unitCode: actor.unitCode,
                                subject: "account:\(id)", payload: ["before": current.roles, "after": account.roles]),
                on: db)
            return account
        }
    }

    /// Disabling also ends every session and refresh token of the account; access tokens run out within minutes.
    public func setStatus(of id: UUID, to status: AccountStatus, by actor: Actor, logger: Logger) async throws -> Account {
        try await database.write(logger: logger) { db in
            guard let record = try await AccountRecord.query(on: db).filter(\.$id == id).with(\.$grants).first() else {
                throw Problem.notFound("No account with this id.")
            }
            record.status = status.rawValue
            record.updatedAt = now()
            if status == .active {
                record.failedLogins = 0
                record.lockedUntil = nil
            }
            try await record.update(on: db)
            if status == .disabled {
                try await RefreshTokenRecord.query(on: db).filter(\.$accountID == id).filter(\.$revokedAt == nil)
                    .set(\.$revokedAt, to: now()).update()
                try await WebSessionRecord.query(on: db).filter(\.$accountID == id).delete()
                try await AccountRevocations.record(id, at: now(), on: db)
            }
            try await EventLog.append(
                DomainEvent(type: status == .disabled ? "identity.account.disabled" : "identity.account.enabled", actorID: actor.id,
                            actorName: actor.name, unitCode: actor.unitCode, subject: "account:\(id)"),
                on: db)
            return try Account(record, grants: record.grants, logger: logger)
        }
    }

    // MARK: Reading

    /// Active accounts holding `role` in `unit` (city-wide admins are not staff of every unit).
    public func staff(holding role: Role, in unit: String, logger: Logger) async throws -> [StaffMember] {
        let grants = try await RoleGrantRecord.query(on: try database.db(logger: logger)).filter(\.$role == role.rawValue)
            .filter(\.$unitCode == unit).with(\.$account).all()
        return grants.map(\.account).filter { $0.status == AccountStatus.active.rawValue }
            .compactMap { account in account.id.map { StaffMember(accountID: $0.uuidString, name: account.displayName) } }
            .sorted { $0.name < $1.name }
    }

    public func profile(username: String, logger: Logger) async throws -> StaffProfile? {
        guard let account = try await find(username: username, logger: logger), account.status == .active else { return nil }
        return StaffProfile(accountID: account.id.uuidString, username: account.username, name: account.displayName, grants: account.roles)
    }

    public func profile(accountID: String, logger: Logger) async throws -> StaffProfile? {
        guard let id = UUID(uuidString: accountID), let account = try await find(id: id, logger: logger), account.status == .active else { return nil }
        return StaffProfile(accountID: account.id.uuidString, username: account.username, name: account.displayName, grants: account.roles)
    }

    public func find(id: UUID, logger: Logger) async throws -> Account? {
        let sql = try database.sql(logger: logger)
        return try await Account.read(try await AccountRecord.read(id: id, on: sql), on: sql, logger: logger)
    }

    public func find(username: String, logger: Logger) async throws -> Account? {
        let sql = try database.sql(logger: logger)
        return try await Account.read(try await AccountRecord.read(username: username.lowercased(), on: sql), on: sql, logger: logger)
    }

    /// Accounts by username or name, oldest first.
    public func list(search: String? = nil, paging: Paging = Paging(limit: 50), logger: Logger) async throws -> (accounts: [Account], total: Int) {
        let db = try database.db(logger: logger)
        var query = AccountRecord.query(on: db)
        if let search, !search.isEmpty {
            query = query.group(.or) { group in
                group.filter(\.$username ~~ search.lowercased()).filter(\.$displayName ~~ search)
            }
        }
        let total = try await query.count()
        let records = try await query.with(\.$grants).sort(\.$createdAt).sort(\.$username).range(paging.range).all()
        return (try records.map { try Account($0, grants: $0.grants, logger: logger) }, total)
    }

    // MARK: Signing in

    public enum SignInError: Error, Equatable {
        case invalidCredentials
        case locked(until: Date)
        case disabled
    }

    /// Checks a password. Repeated failures lock the account for a while, doubling with each further failure
    /// (15 minutes, 30, 60 … at most a day), which stops guessing without locking the owner out for good.
    public func authenticate(username: String, password: String, logger: Logger) async throws -> Account {
        let moment = now()
        guard let record = try await AccountRecord.query(on: try database.db(logger: logger))
            .filter(\.$username == username.lowercased()).with(\.$grants).first(), let id = record.id else {
            try await passwords.burn(password)
            throw SignInError.invalidCredentials
        }
        if let lockedUntil = record.lockedUntil, lockedUntil > moment {
            throw SignInError.locked(until: lockedUntil)
        }
        guard try await passwords.verify(password, against: record.passwordHash) else {
            let threshold = lockoutThreshold
            let lockedUntil: Date? = try await database.write(logger: logger) { db in
                guard let sql = db as? any SQLDatabase else { throw Problem.internal() }
                try await sql.raw("UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = \(bind: id)").run()
                guard let fresh = try await AccountRecord.find(id, on: db) else { return nil }
                var until: Date?
                if fresh.failedLogins >= threshold {
                    let doublings = min(fresh.failedLogins - threshold, 7)
                    let minutes = min(15 * (1 << doublings), 24 * 60)
                    until = moment.addingTimeInterval(Double(minutes) * 60)
                    fresh.lockedUntil = until
                    try await fresh.update(on: db)
                }
                try await EventLog.append(
                    try DomainEvent(type: until == nil ? "identity.sign-in.failed" : "identity.account.locked", actorID: id.uuidString,
                                    actorName: fresh.username, subject: "account:\(id)",
                                    payload: ["failedAttempts": String(fresh.failedLogins), "lockedUntil": until.map { "\($0)" } ?? ""]),
                    on: db)
                return until
            }
            if let lockedUntil { throw SignInError.locked(until: lockedUntil) }
            throw SignInError.invalidCredentials
        }
        guard record.status == AccountStatus.active.rawValue else { throw SignInError.disabled }
        if record.failedLogins > 0 || record.lockedUntil != nil {
            try await database.write(logger: logger) { db in
                try await AccountRecord.query(on: db).filter(\.$id == id).set(\.$failedLogins, to: 0).set(\.$lockedUntil, to: nil).update()
            }
        }
        return try Account(record, grants: record.grants, logger: logger)
    }

    // MARK: Helpers

    static func defaultRoles(for kind: AccountKind) -> [RoleGrant] {
        switch kind {
        case .citizen: return [RoleGrant(role: .citizen)]
        case .business: return [RoleGrant(role: .business)]
        case .staff: return []
        }
    }

    func roleErrors(_ roles: [RoleGrant], kind: AccountKind, logger: Logger) async throws -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        let db = try database.db(logger: logger)
        for (index, grant) in roles.enumerated() {
            let field = "roles[\(index)]"
            switch (kind, grant.role) {
            case (.citizen, .citizen), (.business, .business): break
            case (.staff, let role) where role != .citizen && role != .business: break
            default: errors.append(.init(field: field, message: "a \(kind.rawValue) account cannot hold the role \(grant.role.rawValue)"))
            }
            if grant.role.requiresUnit {
                guard let unit = grant.unitCode else {
                    errors.append(.init(field: field, message: "the role \(grant.role.rawValue) must name a unit"))
                    continue
                }
                guard let record = try await OrgUnitRecord.find(unit, on: db), record.active else {
                    errors.append(.init(field: field, message: "unknown unit '\(unit)'"))
                    continue
                }
            } else if grant.unitCode != nil {
                errors.append(.init(field: field, message: "the role \(grant.role.rawValue) is not held in a unit"))
            }
        }
        if Set(roles).count != roles.count { errors.append(.init(field: "roles", message: "lists the same role twice")) }
        return errors
    }

    static func replaceGrants(of record: AccountRecord, with roles: [RoleGrant], on db: any Database) async throws -> [RoleGrantRecord] {
        let id = try record.requireID()
        try await RoleGrantRecord.query(on: db).filter(\.$account.$id == id).delete()
        var grants: [RoleGrantRecord] = []
        for role in Set(roles) {
            let grant = RoleGrantRecord()
            grant.id = UUID()
            grant.$account.id = id
            grant.role = role.role.rawValue
            grant.unitCode = role.unitCode ?? ""
            try await grant.create(on: db)
            grants.append(grant)
        }
        return grants
    }
}

struct AccountEventPayload: Encodable {
    let username: String
    let kind: String
    let roles: [RoleGrant]

    init(_ account: Account) {
        username = account.username
        kind = account.kind.rawValue
        roles = account.roles
    }
}

extension AccountDirectory: NoticeRecipients {
    public func recipient(accountID: String, logger: Logger) async throws -> NoticeRecipient? {
        guard let id = UUID(uuidString: accountID), let account = try await find(id: id, logger: logger), account.status == .active else { return nil }
        return NoticeRecipient(name: account.displayName, email: account.email)
    }
}
