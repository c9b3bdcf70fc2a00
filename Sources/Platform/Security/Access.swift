/// Who may call a route. Every route states one; there is no default, so forgetting is a compile error.
public enum Access: Sendable, Equatable, CustomStringConvertible {
    /// Anyone, signed in or not (health, public lookups, the login page).
    case everyone
    /// Any signed-in account.
    case signedIn
    /// A signed-in account holding at least one of these roles (in any unit; handlers check the unit).
    case roles(Set<Role>)
    /// The endpoint checks a credential of its own kind instead of a platform sign-in: client credentials at the
    /// OAuth token endpoint, a relying party's access token at userinfo. The string names that credential.
    case ownCredential(String)

    public func allows(_ principal: Principal?) -> Bool {
        switch self {
        case .everyone, .ownCredential: return true
        case .signedIn: return principal != nil
        case .roles(let roles):
            guard let principal else { return false }
            return principal.grants.contains { roles.contains($0.role) }
        }
    }

    public var description: String {
        switch self {
        case .everyone: return "everyone"
        case .signedIn: return "signed-in"
        case .roles(let roles): return roles.map(\.rawValue).sorted().joined(separator: "|")
        case .ownCredential(let credential): return "own credential: \(credential)"
        }
    }
}
