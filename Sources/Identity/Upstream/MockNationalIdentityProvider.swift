import Crypto
import Foundation
import Hummingbird
import JWTKit
import Logging
import Platform
import Synchronization
import Web

/// A small stand-in for VNeID, for the demo and the tests: a page to pick one of a few demo citizens, single-use
/// codes bound to PKCE, and ES256-signed ID tokens that the relying-party side verifies like any other.
public final class MockNationalIdentityProvider: NationalIdentityProvider {
    public struct Person: Sendable {
        public var number: String
        public var name: String
        public var phone: String
    }

    public static let people = [
        Person(number: "046190001234", name: "Nguyễn Thị Hoa", phone: "0905123456"),
        Person(number: "046085004321", name: "Trần Quang Huy", phone: "0914555666"),
        Person(number: "046201007777", name: "Lê Minh Châu", phone: "0935777888"),
    ]

    struct IDToken: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var nonce: String
        var name: String
        var phoneNumber: String
        var loa: Int

        enum CodingKeys: String, CodingKey {
            case iss, sub, aud, exp, iat, nonce, name, loa
            case phoneNumber = "phone_number"
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    struct PendingCode: Sendable {
        var person: Person
        var redirectURI: String
        var challenge: String
        var nonce: String
        var expires: Date
    }

    public let displayName = "VNeID (demo)"
    let issuer: String
    let clientID = "hues"
    private let keys = JWTKeyCollection()
    private let codes = Mutex<[String: PendingCode]>([:])

    /// The only place the demo provider sends people back to: this platform's own sign-in callback.
    let callbackURI: String

    public init(publicBaseURL: String) async {
        self.issuer = publicBaseURL + "/mock-vneid"
        self.callbackURI = publicBaseURL + "/login/vneid/callback"
        await keys.add(ecdsa: ES256PrivateKey(), kid: "mock-vneid")
    }

    public func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) -> String {
        "/mock-vneid/authorize?" + AuthorizationRequest.encode([
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI), ("scope", "openid"), ("state", state),
            ("nonce", nonce), ("code_challenge", codeChallenge), ("code_challenge_method", "S256"),
        ])
    }

    public func exchange(code: String, verifier: String, redirectURI: String, nonce: String, logger: Logger) async throws -> NationalIdentityClaims {
        guard let pending = codes.withLock({ $0.removeValue(forKey: code) }), pending.expires > Date(), pending.redirectURI == redirectURI,
              PKCE.verify(verifier, against: pending.challenge)
        else { throw Problem.badRequest("The national identity provider did not confirm the sign-in.") }
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let token = try await keys.sign(IDToken(
            iss: .init(value: issuer), sub: .init(value: pending.person.number), aud: .init(value: [clientID]),
            exp: .init(value: now.addingTimeInterval(300)), iat: .init(value: now), nonce: pending.nonce, name: pending.person.name,
            phoneNumber: pending.person.phone, loa: 2))
        // Verify as a relying party would, so the token format is exercised end to end.
        let claims = try await keys.verify(token, as: IDToken.self)
        guard claims.iss.value == issuer, claims.aud.value.contains(clientID), claims.nonce == nonce else {
            throw Problem.badRequest("The national identity provider's answer does not match this sign-in.")
        }
        return NationalIdentityClaims(issuer: claims.iss.value, subject: claims.sub.value, name: claims.name, phone: claims.phoneNumber,
                                      level: claims.loa)
    }

    /// The mock provider's own pages.
    public func addRoutes(to routes: SecuredRouter, renderer: PageRenderer) {
        routes.on(.get, "/mock-vneid/authorize", access: .everyone, kind: .page, summary: "Demo national identity provider: choose a person") {
            request, context in
            let query = FormFields(request.uri.query ?? "")
            let csrf = request.cookies[SecuredRouter.csrfCookie]?.value ?? TokenGenerator.make(bytes: 24)
            let hidden = ["redirect_uri", "state", "nonce", "code_challenge"].map { ["name": $0, "value": query[$0] ?? ""] }
            let people = Self.people.map { ["number": $0.number, "name": $0.name] }
            var response = try renderer.page("mock-vneid", title: "vneid_title", context: context, values: ["people": people, "hidden": hidden],
                                             csrfToken: csrf)
            response.setCookie(Cookie(name: SecuredRouter.csrfCookie, value: csrf, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        routes.on(.post, "/mock-vneid/authorize", access: .everyone, kind: .page, summary: "Demo national identity provider: confirm") {
            request, context in
            var request = request
            let form = FormFields(String(buffer: try await request.collectBody(upTo: context.maxBodyBytes)))
            guard let person = Self.people.first(where: { $0.number == form["number"] }), let redirectURI = form["redirect_uri"],
                  redirectURI == self.callbackURI, let challenge = form["code_challenge"], let nonce = form["nonce"], PKCE.isWellFormed(challenge),
                  nonce.utf8.count <= 128
            else { throw Problem.badRequest("Choose a person and come from a valid sign-in request.") }
            let code = TokenGenerator.make()
            let now = Date()
            self.codes.withLock { codes in
                // Codes nobody exchanged expire after a minute; past a few thousand pending, the oldest go first.
                codes = codes.filter { $0.value.expires > now }
                if codes.count >= 4096, let oldest = codes.min(by: { $0.value.expires < $1.value.expires })?.key { codes[oldest] = nil }
                codes[code] = PendingCode(person: person, redirectURI: redirectURI, challenge: challenge, nonce: nonce, expires: now.addingTimeInterval(60))
            }
            return Response(status: .found, headers: [.location: AuthorizationRequest.redirect(redirectURI, [("code", code), ("state", form["state"] ?? "")])])
        }
    }
}
