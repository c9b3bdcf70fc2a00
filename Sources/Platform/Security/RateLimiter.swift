import Synchronization

/// A token bucket per key (usually the client's address): `burst` attempts at once, refilled at `perMinute`.
///
/// It lives in process memory, so with several app instances each enforces its own budget; that still bounds
/// password guessing to a known rate per instance, and account lockout (in the database) backs it up.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let burst: Double
    let perSecond: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(perMinute: Int, burst: Int? = nil) {
        self.perSecond = Double(max(perMinute, 1)) / 60
        self.burst = Double(burst ?? max(perMinute / 2, 1))
    }

    /// Takes one attempt from `key`'s bucket; when it is empty, says how many seconds until the next one.
    public func take(_ key: String) -> (allowed: Bool, retryAfterSeconds: Int, remaining: Int) {
        let now = ContinuousClock.now
        return buckets.withLock { buckets in
            // Bounded memory whatever keys callers invent (addresses, typed usernames): idle buckets go first, then all.
            // A bucket that would be full by now is the same as none; only those still draining are kept.
            if buckets.count > 50_000 {
                buckets = buckets.filter { entry in
                    let idle = entry.value.updated.duration(to: now)
                    let refilled = Double(idle.components.seconds) * perSecond + entry.value.tokens
                    return refilled < burst
                }
                // Room below the bound, so the sweep is not repeated on every request of a flood.
                if buckets.count > 40_000 { buckets.removeAll(keepingCapacity: true) }
            }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = bucket.updated.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return (false, Int(((1 - bucket.tokens) / perSecond).rounded(.up)), 0)
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return (true, 0, Int(bucket.tokens))
        }
    }

    /// Throws a 429 problem when `key` is over its budget.
    public func check(_ key: String, detail: String = "Too many attempts from this address; slow down.") throws {
        let outcome = take(String(key.prefix(200)))
        guard outcome.allowed else {
            throw Problem.tooManyRequests(retryAfterSeconds: outcome.retryAfterSeconds, detail: detail)
        }
    }
}
