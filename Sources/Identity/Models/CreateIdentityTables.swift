import FluentKit

struct CreateIdentityTables: AsyncMigration {
    var name: String { "identity.create-tables" }

    func prepare(on database: any Database) async throws {
        try await database.schema(OrgUnitRecord.schema)
            .field("code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("name_en", .string)
            .field("kind", .string, .required)
            .field("parent_code", .string)
            .field("national_code", .string)
            .field("active", .bool, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(AccountRecord.schema)
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("email", .string)
            .field("phone", .string)
            .field("kind", .string, .required)
            .field("password_hash", .string, .required)
            .field("status", .string, .required)
            .field("failed_logins", .int, .required)
            .field("locked_until", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "username")
            .create()
        try await database.schema(RoleGrantRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("unit_code", .string, .required)
            .unique(on: "account_id", "role", "unit_code")
            .create()
        try await database.schema(RefreshTokenRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, "id", onDelete: .cascade))
            .field("family_id", .uuid, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.schema(WebSessionRecord.schema)
            .field("id_hash", .string, .identifier(auto: false))
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, "id", onDelete: .cascade))
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema(SigningKeyRecord.schema)
            .field("kid", .string, .identifier(auto: false))
            .field("algorithm", .string, .required)
            .field("private_key_sealed", .string, .required)
            .field("created_at", .datetime, .required)
            .field("retired_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        for schema in [SigningKeyRecord.schema, WebSessionRecord.schema, RefreshTokenRecord.schema, RoleGrantRecord.schema,
                       AccountRecord.schema, OrgUnitRecord.schema] {
            try await database.schema(schema).delete()
        }
    }
}
