import FluentKit
import Foundation
import SQLKit

/// Every certificate the city's CA has issued, with its private key sealed under the master key.
final class CertificateRecord: Model, @unchecked Sendable {
    static let schema = "ca_certificates"

    @ID(key: .id) var id: UUID?
    /// Lowercase hex without leading zeros, as the verification report and the CRL show it.
    @Field(key: "serial") var serial: String
    @Field(key: "kind") var kind: String
    /// For CAs, the authority's code (`root`, `hue`); for signing certificates, the holder's account id or unit code.
    @Field(key: "holder_kind") var holderKind: String
    @Field(key: "holder_id") var holderID: String
    @Field(key: "common_name") var commonName: String
    @OptionalField(key: "unit_code") var unitCode: String?
    @OptionalField(key: "issuer_id") var issuerID: UUID?
    @Field(key: "algorithm") var algorithm: String
    @Field(key: "der") var der: Data
    @Field(key: "sealed_key") var sealedKey: String
    @Field(key: "not_before") var notBefore: Date
    @Field(key: "not_after") var notAfter: Date
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "revocation_reason") var revocationReason: Int?
    @OptionalField(key: "replaced_by") var replacedBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

struct CreateSignaturesTables: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CertificateRecord.schema)
            .id()
            .field("serial", .string, .required)
            .field("kind", .string, .required)
            .field("holder_kind", .string, .required)
            .field("holder_id", .string, .required)
            .field("common_name", .string, .required)
            .field("unit_code", .string)
            .field("issuer_id", .uuid)
            .field("algorithm", .string, .required)
            .field("der", .data, .required)
            .field("sealed_key", .string, .required)
            .field("not_before", .datetime, .required)
            .field("not_after", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("revocation_reason", .int)
            .field("replaced_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "serial")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX ca_certificates_holder ON ca_certificates (holder_kind, holder_id, kind)").run()
        try await sql.raw("CREATE INDEX ca_certificates_revoked ON ca_certificates (issuer_id, revoked_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CertificateRecord.schema).delete()
    }
}
