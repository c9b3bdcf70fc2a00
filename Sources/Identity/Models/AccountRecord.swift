import FluentKit
import Foundation

/// An account in the city directory: a citizen, a business, or a member of staff.
final class AccountRecord: Model, @unchecked Sendable {
    static let schema = "accounts"

    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @OptionalField(key: "email") var email: String?
    @OptionalField(key: "phone") var phone: String?
    @Field(key: "kind") var kind: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "status") var status: String
    @Field(key: "failed_logins") var failedLogins: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @Children(for: \.$account) var grants: [RoleGrantRecord]

    init() {}
}

final class RoleGrantRecord: Model, @unchecked Sendable {
    static let schema = "account_roles"

    @ID(key: .id) var id: UUID?
    @Parent(key: "account_id") var account: AccountRecord
    @Field(key: "role") var role: String
    /// Empty string for city-wide roles, so the unique constraint also holds for them.
    @Field(key: "unit_code") var unitCode: String

    init() {}
}

final class OrgUnitRecord: Model, @unchecked Sendable {
    static let schema = "org_units"

    @ID(custom: "code", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    @OptionalField(key: "name_en") var nameEn: String?
    @Field(key: "kind") var kind: String
    @OptionalField(key: "parent_code") var parentCode: String?
    @OptionalField(key: "national_code") var nationalCode: String?
    @Field(key: "active") var active: Bool
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

final class RefreshTokenRecord: Model, @unchecked Sendable {
    static let schema = "refresh_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "family_id") var familyID: UUID
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    /// Set for tokens issued to a relying party through the OpenID Connect provider.
    @OptionalField(key: "client_id") var clientID: String?
    @OptionalField(key: "scope") var scope: String?
    @OptionalField(key: "auth_time") var authTime: Date?
    @OptionalField(key: "acr") var acr: String?
    @OptionalField(key: "amr") var amr: String?

    init() {}
}

final class WebSessionRecord: Model, @unchecked Sendable {
    static let schema = "web_sessions"

    /// SHA-256 of the cookie value; the cookie itself is never stored.
    @ID(custom: "id_hash", generatedBy: .user) var id: String?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "acr") var acr: String?
    @OptionalField(key: "amr") var amr: String?

    init() {}
}

final class SigningKeyRecord: Model, @unchecked Sendable {
    static let schema = "signing_keys"

    @ID(custom: "kid", generatedBy: .user) var id: String?
    @Field(key: "algorithm") var algorithm: String
    /// The private key in PEM, sealed with the master key.
    @Field(key: "private_key_sealed") var privateKeySealed: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "retired_at") var retiredAt: Date?

    init() {}
}
