import Hummingbird
import Metrics
import Synchronization

/// Requests and their latency per route, method and status, for `/metrics`.
///
/// A leaner stand-in for Hummingbird's `MetricsMiddleware`: it looks its instruments up once per (route, method,
/// status) under one lock and records the time to the response head, without wrapping the body or keeping an
/// active-requests gauge. Measured, Hummingbird's version cost about a sixth of the throughput of a small
/// authenticated JSON route on two cores.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    struct Key: Hashable {
        var route: String
        var method: HTTPRequest.Method
        var status: Int
    }

    final class Instruments: Sendable {
        let requests: Counter
        let duration: Metrics.Timer

        init(_ key: Key) {
            let dimensions = [("http.route", key.route), ("http.request.method", key.method.rawValue), ("http.response.status_code", String(key.status))]
            requests = Counter(label: "hb.requests", dimensions: dimensions)
            duration = Metrics.Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds)
        }
    }

    final class InstrumentCache: Sendable {
        let instruments = Mutex<[Key: Instruments]>([:])
    }

    private let cache = InstrumentCache()

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(route: context.endpointPath ?? "NotFound", method: request.method, status: Int(response.status.code), since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(route: context.endpointPath ?? "NotFound", method: request.method, status: Int(status), since: started)
            throw error
        }
    }

    private func record(route: String, method: HTTPRequest.Method, status: Int, since started: ContinuousClock.Instant) {
        let key = Key(route: route, method: method, status: status)
        let instruments = cache.instruments.withLock { cache in
            if let existing = cache[key] { return existing }
            let created = Instruments(key)
            cache[key] = created
            return created
        }
        let elapsed = started.duration(to: .now).components
        instruments.requests.increment()
        instruments.duration.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }
}
