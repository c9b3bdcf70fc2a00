import Crypto
import Foundation
import Logging
import Platform

/// An authorization request (`/oauth2/authorize`), checked in the order the specification demands: until the
/// client and its redirect URI are known to be genuine, errors are shown to the person and never redirected.
public struct AuthorizationRequest: Sendable {
    public var client: OAuthClient
    public var redirectURI: String
    public var scopes: [String]
    public var state: String?
    public var nonce: String?
    public var codeChallenge: String?
    public var prompt: String?

    public var scope: String { scopes.joined(separator: " ") }

    public enum Failure: Error, Sendable {
        /// The client or redirect URI cannot be trusted: show the error, do not redirect.
        case shown(String)
        /// A well-identified client made a bad request: send the error back to its redirect URI.
        case redirected(redirectURI: String, error: String, description: String, state: String?)
    }

    /// Checks the request parameters against the registered client.
    public static func parse(_ fields: [String: String], clients: OAuthClients, logger: Logger) async throws -> AuthorizationRequest {
        guard let clientID = fields["client_id"], !clientID.isEmpty else { throw Failure.shown("The request does not name a client (client_id).") }
        guard let client = try await clients.find(clientID, logger: logger), client.active else {
            throw Failure.shown("The service '\(clientID)' is not registered with the city, or has been disabled.")
        }
        guard let redirectURI = fields["redirect_uri"], client.redirectURIs.contains(redirectURI) else {
            throw Failure.shown("The return address given by '\(client.name)' is not one it registered.")
        }
        let state = fields["state"]
        func fail(_ error: String, _ description: String) -> Failure {
            .redirected(redirectURI: redirectURI, error: error, description: description, state: state)
        }
        guard fields["response_type"] == "code" else { throw fail("unsupported_response_type", "only response_type=code is supported") }
        let scopes = (fields["scope"] ?? "").split(separator: " ").map(String.init)
        guard scopes.contains("openid") else { throw fail("invalid_scope", "the openid scope is required") }
        if let unknown = scopes.first(where: { !OpenIDScopes.all.contains($0) }) { throw fail("invalid_scope", "unknown scope '\(unknown)'") }
        if let denied = scopes.first(where: { !client.allowedScopes.contains($0) }) {
            throw fail("invalid_scope", "this service may not ask for the scope '\(denied)'")
        }
        let challenge = fields["code_challenge"]
        if let challenge {
            guard fields["code_challenge_method"] == "S256" else { throw fail("invalid_request", "code_challenge_method must be S256") }
            guard PKCE.isWellFormed(challenge) else { throw fail("invalid_request", "code_challenge must be 43 base64url characters") }
        } else if client.type == OAuthClient.ClientType.public {
            throw fail("invalid_request", "public clients must use PKCE (code_challenge with S256)")
        }
        if let prompt = fields["prompt"], !["none", "login", "consent", "select_account"].contains(prompt) {
            throw fail("invalid_request", "unsupported prompt '\(prompt)'")
        }
        var unique: [String] = []
        for scope in scopes where !unique.contains(scope) { unique.append(scope) }
        return AuthorizationRequest(client: client, redirectURI: redirectURI, scopes: unique,
                                    state: state, nonce: fields["nonce"], codeChallenge: challenge, prompt: fields["prompt"])
    }

    /// The parameters again, for the consent form and for sending the person back here after sign-in.
    public var parameters: [(String, String)] {
        var list = [("response_type", "code"), ("client_id", client.clientID), ("redirect_uri", redirectURI), ("scope", scope)]
        if let state { list.append(("state", state)) }
        if let nonce { list.append(("nonce", nonce)) }
        if let codeChallenge { list += [("code_challenge", codeChallenge), ("code_challenge_method", "S256")] }
        return list
    }

    public var queryString: String { Self.encode(parameters) }

    static func encode(_ parameters: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return parameters.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    /// `redirect_uri` with parameters appended (keeping any query it already has).
    static func redirect(_ uri: String, _ parameters: [(String, String)]) -> String {
        uri + (uri.contains("?") ? "&" : "?") + encode(parameters)
    }
}

/// Proof Key for Code Exchange (RFC 7636), S256 only.
enum PKCE {
    static func isWellFormed(_ value: String) -> Bool {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return (43...128).contains(value.count) && value.allSatisfy { allowed.contains($0) }
    }

    static func challenge(for verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncoded
    }

    static func verify(_ verifier: String, against challenge: String) -> Bool {
        isWellFormed(verifier) && TokenGenerator.constantTimeEquals(Self.challenge(for: verifier), challenge)
    }
}
