import FluentKit
import Foundation

/// A relying party: a city service that signs its users in through the platform.
final class OAuthClientRecord: Model, @unchecked Sendable {
    static let schema = "oauth_clients"

    @ID(custom: "client_id", generatedBy: .user) var id: String?
    @Field(key: "name") var name: String
    /// `confidential` (has a secret) or `public` (a mobile or browser app: PKCE instead of a secret).
    @Field(key: "client_type") var clientType: String
    /// SHA-256 of the secret; the secret itself is shown once and never stored.
    @OptionalField(key: "secret_hash") var secretHash: String?
    /// JSON arrays of exact URIs.
    @Field(key: "redirect_uris") var redirectURIs: String
    @Field(key: "post_logout_redirect_uris") var postLogoutRedirectURIs: String
    /// Space-separated scopes the client may ask for.
    @Field(key: "allowed_scopes") var allowedScopes: String
    @OptionalField(key: "minimum_acr") var minimumACR: String?
    /// First-party services of the city skip the consent screen.
    @Field(key: "trusted") var trusted: Bool
    @Field(key: "status") var status: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// A single-use authorization code (only its hash is stored).
final class AuthorizationCodeRecord: Model, @unchecked Sendable {
    static let schema = "oauth_codes"

    @ID(custom: "code_hash", generatedBy: .user) var id: String?
    @Field(key: "client_id") var clientID: String
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "redirect_uri") var redirectURI: String
    @Field(key: "scope") var scope: String
    @OptionalField(key: "nonce") var nonce: String?
    @OptionalField(key: "code_challenge") var codeChallenge: String?
    @Field(key: "auth_time") var authTime: Date
    @Field(key: "acr") var acr: String
    @Field(key: "amr") var amr: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    /// The refresh-token family the code was exchanged for, so a replayed code can revoke it.
    @OptionalField(key: "family_id") var familyID: UUID?

    init() {}
}

final class ConsentRecord: Model, @unchecked Sendable {
    static let schema = "oauth_consents"

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "client_id") var clientID: String
    @Field(key: "scope") var scope: String
    @Field(key: "granted_at") var grantedAt: Date

    init() {}
}

struct CreateOAuthTables: AsyncMigration {
    var name: String { "identity.create-oauth-tables" }

    func prepare(on database: any Database) async throws {
        try await database.schema(OAuthClientRecord.schema)
            .field("client_id", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("client_type", .string, .required)
            .field("secret_hash", .string)
            .field("redirect_uris", .string, .required)
            .field("post_logout_redirect_uris", .string, .required)
            .field("allowed_scopes", .string, .required)
            .field("minimum_acr", .string)
            .field("trusted", .bool, .required)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(AuthorizationCodeRecord.schema)
            .field("code_hash", .string, .identifier(auto: false))
            .field("client_id", .string, .required, .references(OAuthClientRecord.schema, "client_id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, "id", onDelete: .cascade))
            .field("redirect_uri", .string, .required)
            .field("scope", .string, .required)
            .field("nonce", .string)
            .field("code_challenge", .string)
            .field("auth_time", .datetime, .required)
            .field("acr", .string, .required)
            .field("amr", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("family_id", .uuid)
            .create()
        try await database.schema(ConsentRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, "id", onDelete: .cascade))
            .field("client_id", .string, .required, .references(OAuthClientRecord.schema, "client_id", onDelete: .cascade))
            .field("scope", .string, .required)
            .field("granted_at", .datetime, .required)
            .unique(on: "account_id", "client_id")
            .create()
        // Refresh tokens issued to relying parties remember their client and scope; browser sessions remember how
        // the person proved who they are (for auth_time, acr and amr in ID tokens).
        for (table, field, type) in [(RefreshTokenRecord.schema, "client_id", DatabaseSchema.DataType.string),
                                     (RefreshTokenRecord.schema, "scope", .string), (RefreshTokenRecord.schema, "auth_time", .datetime),
                                     (RefreshTokenRecord.schema, "acr", .string), (RefreshTokenRecord.schema, "amr", .string),
                                     (WebSessionRecord.schema, "acr", .string), (WebSessionRecord.schema, "amr", .string)] {
            try await database.schema(table).field(.definition(name: .key(FieldKey(stringLiteral: field)), dataType: type, constraints: [])).update()
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [ConsentRecord.schema, AuthorizationCodeRecord.schema, OAuthClientRecord.schema] {
            try await database.schema(schema).delete()
        }
    }
}
