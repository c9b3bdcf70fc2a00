import Foundation
import HTTPTypes
import Logging
import Metrics

/// The operator's per-route rate limits and daily quotas (`HUES_RATE_LIMITS`), enforced by `RequestLimitMiddleware`
/// after authentication (so a limit can name the caller: an account, a role, an integrated service or an address)
/// and before the public response cache (so kept answers count too).
///
/// Per-minute limits live in each instance's memory (with N instances behind a balancer a client gets up to N times
/// the rate; divide by N where that matters); daily quotas are counted in the database and shared.
public final class RequestLimits: Sendable {
    public let rules: [RateLimitRule]
    private let minuteBuckets: [String: RateLimiter]
    private let quotas: DailyQuotas
    private let timeZone: TimeZone

    public init(settings: RateLimitSettings, quotas: DailyQuotas, timeZone: TimeZone) {
        self.rules = settings.rules
        self.quotas = quotas
        self.timeZone = timeZone
        var buckets: [String: RateLimiter] = [:]
        for rule in settings.rules {
            if let perMinute = rule.perMinute { buckets[rule.name] = RateLimiter(perMinute: perMinute, burst: rule.burst) }
        }
        self.minuteBuckets = buckets
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// The rules about a request for `path`, in file order.
    public func rules(method: String, path: Substring) -> [RateLimitRule] {
        rules.filter { $0.covers(method: method, path: path) }
    }

    /// Counts the request against the first of `candidates` that matches its caller; a 429 problem when over.
    /// Returns the `RateLimit-*` headers to add to the answer (none when no per-minute limit applied).
    public func admit(_ candidates: [RateLimitRule], principal: Principal?, address: String, logger: Logger) async throws -> HTTPFields {
        guard let (rule, client) = Self.firstMatch(candidates, principal: principal, address: address) else { return [:] }
        var headers: HTTPFields = [:]
        if let bucket = minuteBuckets[rule.name], let perMinute = rule.perMinute {
            let outcome = bucket.take("\(rule.name)|\(client.prefix(200))")
            guard outcome.allowed else {
                Counter(label: "hues_rate_limited_total", dimensions: [("rule", rule.name), ("kind", "minute")]).increment()
                throw Problem.tooManyRequests(retryAfterSeconds: outcome.retryAfterSeconds,
                                              detail: "Over this route's limit of \(perMinute) requests a minute; wait \(outcome.retryAfterSeconds) s.")
            }
            headers[HTTPField.Name("RateLimit-Limit")!] = String(rule.burst ?? max(perMinute / 2, 1))
            headers[HTTPField.Name("RateLimit-Remaining")!] = String(outcome.remaining)
            headers[HTTPField.Name("RateLimit-Policy")!] = "\(perMinute);w=60"
        }
        if let perDay = rule.perDay {
            let (day, secondsLeft) = today()
            guard try await quotas.take(rule: rule.name, client: client, day: day, limit: perDay, logger: logger) else {
                Counter(label: "hues_rate_limited_total", dimensions: [("rule", rule.name), ("kind", "day")]).increment()
                throw Problem.tooManyRequests(retryAfterSeconds: secondsLeft,
                                              detail: "The daily quota of \(perDay) requests is spent; it renews at midnight, city time.")
            }
        }
        return headers
    }

    /// The rule that counts for this caller, and whose budget it spends: the account's, the address's, or the
    /// integrated service's as a whole.
    public static func firstMatch(_ candidates: [RateLimitRule], principal: Principal?, address: String) -> (RateLimitRule, String)? {
        let account = principal.map { "account:\($0.accountID)" }
        let byAddress = "address:\(IPNetwork.budgetKey(address))"
        for rule in candidates {
            switch rule.clients {
            case .anyone: return (rule, account ?? byAddress)
            case .anonymous: if principal == nil { return (rule, byAddress) }
            case .signedIn: if let account { return (rule, account) }
            case .role(let role): if let account, principal?.grants.contains(where: { $0.role == role }) == true { return (rule, account) }
            case .account(let name): if let account, principal?.username == name { return (rule, account) }
            case .client(let id): if principal?.clientID == id { return (rule, "client:\(id)") }
            case .network(let network): if network.contains(address) { return (rule, account ?? byAddress) }
            }
        }
        return nil
    }

    /// The city's day as `YYYY-MM-DD`, and the seconds until the next one.
    func today(now: Date = Date()) -> (String, Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day = CityDay.of(now, in: timeZone)
        let midnight = calendar.nextDate(after: now, matching: DateComponents(hour: 0, minute: 0, second: 0), matchingPolicy: .nextTime)
        return (day, max(1, Int((midnight?.timeIntervalSince(now) ?? 3600).rounded(.up))))
    }

    /// Today's quota counts, for the operators' page and API.
    public func usageToday(logger: Logger) async throws -> [(rule: String, client: String, used: Int)] {
        try await quotas.usage(day: today().0, logger: logger)
    }

    /// Yesterday's counts are kept for the operator to see; older ones go.
    public func pruneOldCounts(logger: Logger) async throws {
        let (day, _) = today(now: Date().addingTimeInterval(-86_400))
        try await quotas.prune(before: day, logger: logger)
    }
}
