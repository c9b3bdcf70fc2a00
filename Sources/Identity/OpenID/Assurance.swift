/// How strongly a sign-in proved who the person is: the ID token's `acr`. Services may require a minimum.
public enum Assurance: String, Sendable, CaseIterable, Codable {
    /// Username and password at the platform.
    case password = "urn:hues:loa:1"
    /// The national identity provider (VNeID) at its level 2: identity checked against the population database.
    case nationalLevel2 = "urn:hues:loa:2"

    public var level: Int {
        switch self {
        case .password: return 1
        case .nationalLevel2: return 2
        }
    }

    /// The `amr` (RFC 8176) that goes with it.
    public var methods: [String] {
        switch self {
        case .password: return ["pwd"]
        case .nationalLevel2: return ["fed", "mfa"]
        }
    }

    public static func from(_ acr: String?) -> Assurance { acr.flatMap(Assurance.init(rawValue:)) ?? .password }
}
