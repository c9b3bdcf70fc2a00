import FluentKit
import Foundation
import Logging
import Platform
import SQLKit

/// A relying party as the rest of the platform sees it.
public struct OAuthClient: Codable, Sendable, Equatable {
    public enum ClientType: String, Codable, Sendable {
        case confidential
        case `public`
    }

    public var clientID: String
    public var name: String
    public var type: ClientType
    public var redirectURIs: [String]
    public var postLogoutRedirectURIs: [String]
    public var allowedScopes: [String]
    public var minimumACR: String?
    public var trusted: Bool
    public var active: Bool

    /// Reads a stored client; a damaged type or URI list is logged and thrown, never read as "no redirect URIs".
    init(_ record: OAuthClientRecord, logger: Logger?) throws {
        let id = try record.requireID()
        clientID = id
        name = record.name
        type = try StoredData.value(ClientType.self, from: record.clientType, table: OAuthClientRecord.schema, column: "client_type", row: id, logger: logger)
        redirectURIs = try JSONColumn.decode([String].self, from: record.redirectURIs, table: OAuthClientRecord.schema, column: "redirect_uris",
                                             row: id, logger: logger)
        postLogoutRedirectURIs = try JSONColumn.decode([String].self, from: record.postLogoutRedirectURIs, table: OAuthClientRecord.schema,
                                                       column: "post_logout_redirect_uris", row: id, logger: logger)
        allowedScopes = record.allowedScopes.split(separator: " ").map(String.init)
        minimumACR = record.minimumACR
        trusted = record.trusted
        active = record.status == "active"
    }
}

/// What it takes to register a relying party.
public struct NewOAuthClient: Codable, Sendable {
    public var clientID: String
    public var name: String
    public var type: OAuthClient.ClientType
    public var redirectURIs: [String]
    public var postLogoutRedirectURIs: [String]
    public var allowedScopes: [String]?
    public var minimumACR: String?
    public var trusted: Bool?

    public init(clientID: String, name: String, type: OAuthClient.ClientType, redirectURIs: [String], postLogoutRedirectURIs: [String] = [],
                allowedScopes: [String]? = nil, minimumACR: String? = nil, trusted: Bool? = nil) {
        self.clientID = clientID
        self.name = name
        self.type = type
        self.redirectURIs = redirectURIs
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.allowedScopes = allowedScopes
        self.minimumACR = minimumACR
        self.trusted = trusted
    }

    public func validate(prefix: String = "") -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-._")
        if clientID.count < 3 || clientID.count > 64 || !clientID.allSatisfy({ allowed.contains($0) }) {
            errors.append(.init(field: prefix + "clientID", message: "must be 3 to 64 of a-z, 0-9, '-', '.', '_'"))
        } else if PlatformIdentifiers.isReserved(clientID) {
            errors.append(.init(field: prefix + "clientID", message: "'\(clientID)' is reserved for the platform itself"))
        }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { errors.append(.init(field: prefix + "name", message: "is required")) }
        if redirectURIs.isEmpty { errors.append(.init(field: prefix + "redirectURIs", message: "needs at least one URI")) }
        for (index, uri) in (redirectURIs + postLogoutRedirectURIs).enumerated() where !Self.isAcceptableRedirect(uri) {
            let field = index < redirectURIs.count ? "redirectURIs[\(index)]" : "postLogoutRedirectURIs[\(index - redirectURIs.count)]"
            errors.append(.init(field: prefix + field, message: "must be an absolute https URI without a fragment (http only for localhost)"))
        }
        for scope in allowedScopes ?? [] where !OpenIDScopes.all.contains(scope) {
            errors.append(.init(field: prefix + "allowedScopes", message: "unknown scope '\(scope)'"))
        }
        if let minimumACR, Assurance(rawValue: minimumACR) == nil {
            errors.append(.init(field: prefix + "minimumACR", message: "must be one of \(Assurance.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        return errors
    }

    /// Exact URIs only: https, or http on a loopback host for development, or a private-use scheme for apps.
    static func isAcceptableRedirect(_ uri: String) -> Bool {
        guard let url = URL(string: uri), let scheme = url.scheme?.lowercased(), !uri.contains("#") else { return false }
        switch scheme {
        case "https": return url.host != nil
        case "http": return ["localhost", "127.0.0.1", "[::1]", "::1"].contains(url.host ?? "")
        default: return scheme.contains(".")  // reverse-DNS custom scheme (RFC 8252 §7.1)
        }
    }
}

public enum OpenIDScopes {
    public static let standard = ["openid", "profile", "email", "phone", "offline_access"]
    /// Lets a service call the platform's own API as the signed-in person.
    public static let platform = ["hues.api"]
    public static let all = Set(standard + platform)
}

/// Registers relying parties and checks their credentials.
public struct OAuthClients: Sendable {
    let database: PlatformDatabase

    public init(database: PlatformDatabase) {
        self.database = database
    }

    /// Registers a client; returns it with its secret (confidential clients only), which is never shown again.
    public func register(_ new: NewOAuthClient, on db: any Database) async throws -> (client: OAuthClient, secret: String?) {
        let errors = new.validate()
        if !errors.isEmpty { throw Problem.validation(errors) }
        if try await OAuthClientRecord.find(new.clientID, on: db) != nil {
            throw Problem.conflict("The client id '\(new.clientID)' is taken.")
        }
        let record = OAuthClientRecord()
        record.id = new.clientID
        record.name = new.name
        record.clientType = new.type.rawValue
        let secret = new.type == .confidential ? TokenGenerator.make() : nil
        record.secretHash = secret.map(TokenGenerator.digest)
        // Strings only: rows written before (with escaped '/') read back the same.
        record.redirectURIs = try JSONColumn.encode(new.redirectURIs)
        record.postLogoutRedirectURIs = try JSONColumn.encode(new.postLogoutRedirectURIs)
        record.allowedScopes = (new.allowedScopes ?? OpenIDScopes.standard).joined(separator: " ")
        record.minimumACR = new.minimumACR
        record.trusted = new.trusted ?? false
        record.status = "active"
        record.createdAt = Date()
        record.updatedAt = Date()
        try await record.create(on: db)
        return (try OAuthClient(record, logger: db.logger), secret)
    }

    /// Replaces a confidential client's secret; the old one stops working at once.
    public func rotateSecret(of clientID: String, on db: any Database) async throws -> String {
        guard let record = try await OAuthClientRecord.find(clientID, on: db) else { throw Problem.notFound("No client '\(clientID)'.") }
        guard record.clientType == OAuthClient.ClientType.confidential.rawValue else {
            throw Problem.conflict("Public clients have no secret; they use PKCE.")
        }
        let secret = TokenGenerator.make()
        record.secretHash = TokenGenerator.digest(secret)
        record.updatedAt = Date()
        try await record.update(on: db)
        return secret
    }

    public func setStatus(of clientID: String, active: Bool, on db: any Database) async throws {
        guard let record = try await OAuthClientRecord.find(clientID, on: db) else { throw Problem.notFound("No client '\(clientID)'.") }
        record.status = active ? "active" : "disabled"
        record.updatedAt = Date()
        try await record.update(on: db)
    }

    public func find(_ clientID: String, logger: Logger) async throws -> OAuthClient? {
        try await OAuthClientRecord.read(clientID: clientID, on: try database.sql(logger: logger)).map { try OAuthClient($0, logger: logger) }
    }

    /// The client and whether `secret` is its secret, from one read (the token endpoint asks both on every grant).
    func find(_ clientID: String, secret: String?, logger: Logger) async throws -> (client: OAuthClient, secretMatches: Bool)? {
        guard let record = try await OAuthClientRecord.read(clientID: clientID, on: try database.sql(logger: logger)) else { return nil }
        return (try OAuthClient(record, logger: logger), secret.map { Self.secretMatches($0, record) } ?? false)
    }

    /// Constant-time on the hashes.
    private static func secretMatches(_ secret: String, _ record: OAuthClientRecord) -> Bool {
        guard let hash = record.secretHash else { return false }
        return TokenGenerator.constantTimeEquals(hash, TokenGenerator.digest(secret))
    }
}

/// Names the platform uses for itself (token audiences such as `hues-api`): no client or service may take one, or
/// the tokens issued to it would be accepted where only the platform's own are.
public enum PlatformIdentifiers {
    public static func isReserved(_ identifier: String) -> Bool {
        let lowered = identifier.lowercased()
        return lowered == "hues" || lowered.hasPrefix("hues-") || lowered.hasPrefix("hues.") || lowered.hasPrefix("hues_")
    }
}
