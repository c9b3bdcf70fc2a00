import Foundation

/// Per-route rate limits and daily quotas, per client, read from the JSON file `HUES_RATE_LIMITS` names.
///
/// Rules are tried in file order and the first whose route and clients match a request is the one that counts
/// (as in a firewall): put a partner's own rule above the general one to give it more, or less.
public struct RateLimitSettings: Sendable, Equatable {
    public var rules: [RateLimitRule] = []

    public init(rules: [RateLimitRule] = []) {
        self.rules = rules
    }

    /// The file's shape: `{"rules": [{"name", "route", "clients", "perMinute", "burst", "perDay"}, …]}`.
    struct File: Decodable {
        struct Rule: Decodable {
            var name: String
            var route: String
            var clients: String?
            var perMinute: Int?
            var burst: Int?
            var perDay: Int?
        }
        var rules: [Rule]
    }

    package static func read(_ values: [String: String]) -> (RateLimitSettings, [ConfigProblem]) {
        guard let path = values["HUES_RATE_LIMITS"], !path.isEmpty else { return (RateLimitSettings(), []) }
        let key = "HUES_RATE_LIMITS"
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1_000_000 else {
            return (RateLimitSettings(), [ConfigProblem(key: key, message: "'\(path)' cannot be read (or is over 1 MB)")])
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            return (RateLimitSettings(), [ConfigProblem(key: key, message: "'\(path)' is not a rules file: \(error)")])
        }
        var problems: [ConfigProblem] = []
        var rules: [RateLimitRule] = []
        for (index, raw) in file.rules.prefix(1000).enumerated() {
            do {
                let rule = try RateLimitRule(raw)
                if rules.contains(where: { $0.name == rule.name }) { throw RuleError("the name '\(rule.name)' is used twice") }
                rules.append(rule)
            } catch let error as RuleError {
                problems.append(ConfigProblem(key: key, message: "rule \(index + 1) ('\(raw.name.prefix(64))'): \(error.message)"))
            } catch {
                problems.append(ConfigProblem(key: key, message: "rule \(index + 1): \(error)"))
            }
        }
        if file.rules.count > 1000 { problems.append(ConfigProblem(key: key, message: "more than 1,000 rules")) }
        return (RateLimitSettings(rules: rules), problems)
    }

    struct RuleError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}

/// One limit: which routes, which clients, and how much. Each client the rule matches gets its own budget; a
/// rule for `client:ID` gives the whole integrated service one budget, shared by all its users.
public struct RateLimitRule: Sendable, Equatable {
    public let name: String
    /// `METHOD PATH`: `POST /open311/v2/requests.json`, `GET /api/v1/dossiers/:code` (a `:name` segment is any one
    /// segment), `* /api/v1/*` (`*` for any method; a trailing `*` for any path under a prefix).
    public let route: String
    public let clients: ClientSelector
    /// Requests a minute, with bursts up to `burst` (default half a minute's worth).
    public let perMinute: Int?
    public let burst: Int?
    /// Requests a day (the city's day), counted in the database so every instance and restart shares it.
    public let perDay: Int?

    let method: String
    let path: String
    let pathIsPrefix: Bool

    public init(name: String, route: String, clients: ClientSelector = .anyone, perMinute: Int? = nil, burst: Int? = nil,
                perDay: Int? = nil) throws {
        let nameOK = (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        guard nameOK else { throw RateLimitSettings.RuleError("a name is 1–64 characters a-z, 0-9 and '-'") }
        let parts = route.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[1].hasPrefix("/") || parts[1] == "*" else {
            throw RateLimitSettings.RuleError("a route is 'METHOD /path' (METHOD or a trailing path segment may be *)")
        }
        let method = parts[0].uppercased()
        guard method == "*" || ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].contains(method) else {
            throw RateLimitSettings.RuleError("'\(parts[0])' is not an HTTP method")
        }
        for (label, value) in [("perMinute", perMinute), ("burst", burst)] {
            if let value, !(1...1_000_000).contains(value) { throw RateLimitSettings.RuleError("\(label) must be 1–1,000,000") }
        }
        if let perDay, !(1...1_000_000_000).contains(perDay) { throw RateLimitSettings.RuleError("perDay must be 1–1,000,000,000") }
        guard perMinute != nil || perDay != nil else { throw RateLimitSettings.RuleError("give perMinute, perDay or both") }
        if burst != nil, perMinute == nil { throw RateLimitSettings.RuleError("burst needs perMinute") }
        self.name = name
        self.route = "\(method) \(parts[1])"
        self.clients = clients
        self.perMinute = perMinute
        self.burst = burst
        self.perDay = perDay
        self.method = method
        let path = String(parts[1])
        self.pathIsPrefix = path.hasSuffix("*")
        self.path = pathIsPrefix ? String(path.dropLast()) : path
    }

    init(_ raw: RateLimitSettings.File.Rule) throws {
        try self.init(name: raw.name, route: raw.route, clients: try ClientSelector(parsing: raw.clients ?? "*"),
                      perMinute: raw.perMinute, burst: raw.burst, perDay: raw.perDay)
    }

    /// Whether this rule is about a request for `requestPath` (the path as requested, without the query): a
    /// `:name` segment of the rule's path stands for any one segment, a trailing `*` for anything after it.
    public func covers(method requestMethod: String, path requestPath: Substring) -> Bool {
        let requestMethod = requestMethod.uppercased()
        guard method == "*" || method == requestMethod || (method == "GET" && requestMethod == "HEAD") else { return false }
        if !path.contains(":") {
            return pathIsPrefix ? requestPath.hasPrefix(path) : requestPath == path
        }
        let want = path.split(separator: "/", omittingEmptySubsequences: false)
        let have = requestPath.split(separator: "/", omittingEmptySubsequences: false)
        guard pathIsPrefix ? have.count >= want.count : have.count == want.count else { return false }
        for (index, (wanted, given)) in zip(want, have).enumerated() {
            if wanted.hasPrefix(":") {
                if given.isEmpty { return false }
            } else if pathIsPrefix && index == want.count - 1 {
                if !given.hasPrefix(wanted) { return false }
            } else if wanted != given {
                return false
            }
        }
        return true
    }
}

/// Which callers a rule applies to.
public enum ClientSelector: Sendable, Equatable, CustomStringConvertible {
    /// Everyone: each signed-in account, and each address for those not signed in.
    case anyone
    /// Callers not signed in, each address on its own.
    case anonymous
    /// Signed-in callers, each account on its own.
    case signedIn
    /// Accounts holding the role (anywhere), each on its own.
    case role(Role)
    /// One account (by user name).
    case account(String)
    /// One integrated service (its OAuth `client_id`): one budget shared by all its users' tokens.
    case client(String)
    /// Callers from an address range, each address on its own.
    case network(IPNetwork)

    public init(parsing text: String) throws {
        let text = text.trimmingCharacters(in: .whitespaces)
        let (kind, value) = text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) } ?? (text, "")
        switch (kind, value.isEmpty) {
        case ("*", true): self = .anyone
        case ("anonymous", true): self = .anonymous
        case ("signed-in", true): self = .signedIn
        case ("role", false):
            guard let role = Role(rawValue: value) else { throw RateLimitSettings.RuleError("'\(value)' is not a role") }
            self = .role(role)
        case ("account", false) where value.utf8.count <= 200: self = .account(value)
        case ("client", false) where value.utf8.count <= 200: self = .client(value)
        case ("network", false):
            guard let network = IPNetwork(cidr: value) else { throw RateLimitSettings.RuleError("'\(value)' is not a CIDR network") }
            self = .network(network)
        default:
            throw RateLimitSettings.RuleError("clients is *, anonymous, signed-in, role:ROLE, account:NAME, client:ID or network:CIDR")
        }
    }

    public var description: String {
        switch self {
        case .anyone: "*"
        case .anonymous: "anonymous"
        case .signedIn: "signed-in"
        case .role(let role): "role:\(role.rawValue)"
        case .account(let name): "account:\(name)"
        case .client(let id): "client:\(id)"
        case .network(let network): "network:\(network)"
        }
    }
}
