import Foundation
import Logging
import Platform

/// What the national identity provider (VNeID) vouches for after a sign-in there.
public struct NationalIdentityClaims: Sendable, Equatable {
    /// The issuer and the person's identifier there (the 12-digit personal identification number for VNeID).
    public var issuer: String
    public var subject: String
    public var name: String
    public var phone: String?
    /// The provider's level of assurance (VNeID level 2: identity checked in person against the population database).
    public var level: Int
}

/// The seam to a national identity provider. The platform is the relying party: it sends the person there with
/// PKCE, gets a code back, and exchanges it for verified claims.
///
/// No public specification of VNeID's OpenID Connect interface is available, so the platform ships
/// `MockNationalIdentityProvider` for the demo and the tests; a production adapter implements this protocol.
public protocol NationalIdentityProvider: Sendable {
    var displayName: String { get }
    /// Where to send the browser to sign in.
    func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) -> String
    /// Exchanges a code for the verified claims (signature, issuer, audience, nonce and expiry checked).
    func exchange(code: String, verifier: String, redirectURI: String, nonce: String, logger: Logger) async throws -> NationalIdentityClaims
}
