import Foundation

/// What a person may do in the city's systems. Staff roles are held *in a unit* (an officer of Phú Xuân ward);
/// `admin` is city-wide.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case citizen
    case business
    case officer
    case unitLeader = "unit_leader"
    case iocOperator = "ioc_operator"
    case socAnalyst = "soc_analyst"
    /// A machine account of the operations centre's unit that feeds the NGSI-LD broker (a sensor gateway): it may
    /// write and read entities, nothing else (no subscriptions, rules, history, screens or staff figures).
    case sensorGateway = "sensor_gateway"
    case admin

    /// Roles that only make sense inside a unit of the org tree.
    public var requiresUnit: Bool {
        switch self {
        case .officer, .unitLeader, .iocOperator, .socAnalyst, .sensorGateway: return true
        case .citizen, .business, .admin: return false
        }
    }

    /// Declaration order: citizen first, admin last.
    private var rank: Int { Role.allCases.firstIndex(of: self) ?? Role.allCases.count }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// A role held by an account, scoped to a unit where the role needs one.
public struct RoleGrant: Codable, Sendable, Hashable {
    public var role: Role
    public var unitCode: String?

    public init(role: Role, unitCode: String? = nil) {
        self.role = role
        self.unitCode = unitCode
    }

    /// `role` or `role@unit`: how tokens and the CLI write a grant.
    public var claim: String { unitCode.map { "\(role.rawValue)@\($0)" } ?? role.rawValue }
}

/// The one reading of grants every module uses, so "admin" and "staff of a unit" mean the same everywhere.
extension Sequence<RoleGrant> {
    /// Whether these grants hold `role` in `unitCode` (admins hold every role everywhere).
    public func has(_ role: Role, in unitCode: String) -> Bool {
        contains { $0.role == .admin || ($0.role == role && $0.unitCode == unitCode) }
    }

    /// Whether these grants make their holder staff of `unitCode`: an officer or its leader, or an admin.
    public func isStaff(of unitCode: String) -> Bool {
        has(.officer, in: unitCode) || has(.unitLeader, in: unitCode)
    }

    /// The units where these grants make their holder an officer or the leader, each once, in the order of the
    /// grants (accounts list them by role, then unit: no unit is a "home" one, so callers ask when there are several).
    public var staffUnits: [String] {
        var seen = Set<String>()
        return filter { $0.role == .officer || $0.role == .unitLeader }.compactMap(\.unitCode).filter { seen.insert($0).inserted }
    }
}

/// Who is calling: the authenticated account and how it proved itself.
public struct Principal: Sendable, Equatable {
    public enum Credential: Sendable, Equatable {
        case accessToken
        /// A browser session; unsafe requests must carry this CSRF token.
        case session(id: String, csrfToken: String)
    }

    public var accountID: String
    public var username: String
    public var displayName: String
    public var grants: [RoleGrant]
    public var credential: Credential
    /// When and how the person proved who they are (OpenID Connect `auth_time`, `acr`, `amr`), for sessions.
    public var authTime: Date?
    public var acr: String?
    public var amr: [String]
    /// The integrated service a token was issued to (its OAuth `client_id`), for per-client limits; nil otherwise.
    public var clientID: String?

    public init(accountID: String, username: String, displayName: String, grants: [RoleGrant], credential: Credential,
                authTime: Date? = nil, acr: String? = nil, amr: [String] = [], clientID: String? = nil) {
        self.clientID = clientID
        self.accountID = accountID
        self.username = username
        self.displayName = displayName
        self.grants = grants
        self.credential = credential
        self.authTime = authTime
        self.acr = acr
        self.amr = amr
    }

    public func has(_ role: Role) -> Bool { grants.contains { $0.role == role } }

    /// Whether the principal holds `role` in `unitCode` (admins hold every role everywhere).
    public func has(_ role: Role, in unitCode: String) -> Bool { grants.has(role, in: unitCode) }

    /// An officer or the leader of `unitCode`, or an admin.
    public func isStaff(of unitCode: String) -> Bool { grants.isStaff(of: unitCode) }
}
